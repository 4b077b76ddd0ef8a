"""The platform's own hardening (issue 22): Pod Security per namespace, each level read from its charts."""

from __future__ import annotations

import pytest

from conftest import ENVIRONMENTS, manifests_for
from docrouter import constants as c


def _levels(env: str) -> dict[str, str]:
    return {
        ns["metadata"]["name"]: ns["metadata"]["labels"].get("pod-security.kubernetes.io/enforce", "")
        for ns in manifests_for(env).of_kind("Namespace")
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_namespace_enforces_the_strictest_level_its_pods_pass(env):
    m = manifests_for(env)
    for ns in m.of_kind("Namespace"):
        labels = ns["metadata"]["labels"]
        level = labels["pod-security.kubernetes.io/enforce"]
        assert labels["pod-security.kubernetes.io/warn"] == labels["pod-security.kubernetes.io/audit"] == level
    expected_ingress = "privileged" if m.env.provider == "kind" else "restricted"
    assert _levels(env) == {
        name: expected_ingress if name == c.INGRESS_NAMESPACE else "restricted" for name in _levels(env)
    }


def test_kind_ingress_is_privileged_only_because_it_binds_host_ports():
    # Pod Security Standards, baseline "HostPorts": hostPort must be undefined or 0; ingress-nginx
    # helm-chart-4.13.7 templates/controller-deployment.yaml sets hostPort when controller.hostPort.enabled.
    values = manifests_for("kind").get("HelmRelease", "ingress-nginx")["spec"]["values"]["controller"]
    assert values["hostPort"] == {"enabled": True}
    for env in ("staging", "production"):
        assert "hostPort" not in manifests_for(env).get("HelmRelease", "ingress-nginx")["spec"]["values"]["controller"]


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if manifests_for(e).env.mongodb.mode == "in-cluster"])
def test_the_mongodb_operator_pod_passes_restricted(env):
    # mongodb-kubernetes 1.10.0 helm_chart/templates/operator.yaml renders operator.podSecurityContext and
    # operator.securityContext as given; the chart's default container context is empty (baseline only).
    operator = manifests_for(env).get("HelmRelease", "mongodb-kubernetes")["spec"]["values"]["operator"]
    pod, container = operator["podSecurityContext"], operator["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["allowPrivilegeEscalation"] is False and container["capabilities"] == {"drop": ["ALL"]}
    assert container["seccompProfile"] == {"type": "RuntimeDefault"}
