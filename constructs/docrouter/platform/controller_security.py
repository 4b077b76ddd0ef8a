"""The Pod Security level each namespace enforces: the strictest its pods pass, read from the charts.

- doc-router, mongodb: "restricted" (our own pod specs; the operator's database pods, mongodb.py).
- cert-manager: "restricted". cert-manager v1.19.1 deploy/charts/cert-manager/values.yaml gives the
  controller, webhook, cainjector and startupapicheck pods runAsNonRoot + seccomp RuntimeDefault and
  containers allowPrivilegeEscalation false, capabilities drop ALL.
- mongodb-operator: "restricted", with the securityContext below: the chart's default leaves the
  container's empty (mongodb-kubernetes 1.10.0 helm_chart/values.yaml `operator.securityContext: {}`,
  templates/operator.yaml renders it as given), which only "baseline" admits.
- ingress-nginx: "restricted" behind a cloud load balancer: ingress-nginx helm-chart-4.13.7
  values.yaml `controller.image` (runAsNonRoot, allowPrivilegeEscalation false, seccomp RuntimeDefault)
  and _helpers.tpl containerSecurityContext (drop ALL, add only NET_BIND_SERVICE, which restricted
  allows); its admission-webhook Jobs likewise. On Kind the controller binds host ports 80/443, which
  even "baseline" forbids (hostPort must be unset or 0), so Kind's namespace is "privileged": a
  development cluster on a laptop, nothing else runs there.
`warn` and `audit` follow `enforce`, so a chart upgrade that stops passing shows in `kubectl` output
and the audit log before anything is refused.
"""

from __future__ import annotations

from typing import Any

from docrouter import constants as c

RESTRICTED, BASELINE, PRIVILEGED = "restricted", "baseline", "privileged"

# The operator container, made to pass "restricted" (it writes no files: no webhook certificates
# with registerConfiguration false, see infrastructure.py).
MONGODB_OPERATOR_SECURITY: dict[str, Any] = {
    "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 2000, "seccompProfile": {"type": "RuntimeDefault"}},
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    },
}


def pod_security_level(namespace: str, *, local_cluster: bool) -> str:
    if namespace == c.INGRESS_NAMESPACE and local_cluster:
        return PRIVILEGED  # hostPort 80/443 (infrastructure.ingress_nginx_values)
    return RESTRICTED


def pod_security_labels(namespace: str, *, local_cluster: bool) -> dict[str, str]:
    level = pod_security_level(namespace, local_cluster=local_cluster)
    return {f"pod-security.kubernetes.io/{mode}": level for mode in ("enforce", "warn", "audit")}
