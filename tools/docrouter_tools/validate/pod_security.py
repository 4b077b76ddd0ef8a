"""Pod Security Standards, "restricted" profile, as far as a manifest can show it."""

from __future__ import annotations

from docrouter_tools.validate.model import Document
from docrouter_tools.validate.workloads import containers, pod_spec

ALLOWED_VOLUME_SOURCES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
ALLOWED_SECCOMP = ("RuntimeDefault", "Localhost")


def pod_security_problems(doc: Document) -> list[str]:
    spec = pod_spec(doc)
    pod_context = spec.get("securityContext") or {}
    problems = [f"spec.{f} is true" for f in ("hostNetwork", "hostPID", "hostIPC") if spec.get(f)]
    for volume in spec.get("volumes") or []:
        sources = set(volume) - {"name"}
        if sources - ALLOWED_VOLUME_SOURCES:
            problems.append(f"volume {volume.get('name')} uses {', '.join(sorted(sources - ALLOWED_VOLUME_SOURCES))}")
    if pod_context.get("runAsUser") == 0:
        problems.append("pod runs as user 0")
    for _, container in containers(doc):
        problems += [f"container {container.get('name')}: {p}" for p in _container_problems(container, pod_context)]
    return problems


def _container_problems(container: dict, pod_context: dict) -> list[str]:
    context = container.get("securityContext") or {}
    problems = []
    if context.get("privileged"):
        problems.append("privileged")
    if context.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    capabilities = context.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        problems.append("capabilities.drop lacks ALL")
    if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
        problems.append(f"adds capabilities {sorted(set(capabilities['add']) - {'NET_BIND_SERVICE'})}")
    if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
        problems.append("runAsNonRoot is not true")
    if context.get("runAsUser") == 0:
        problems.append("runs as user 0")
    seccomp = (context.get("seccompProfile") or pod_context.get("seccompProfile") or {}).get("type")
    if seccomp not in ALLOWED_SECCOMP:
        problems.append(f"seccompProfile is {seccomp or 'unset'}, not RuntimeDefault or Localhost")
    if any((port or {}).get("hostPort") for port in container.get("ports") or []):
        problems.append("uses a hostPort")
    return problems
