"""Workload facts the diff weighs (images, requests, replicas); pod walking is pod_templates.py."""

from __future__ import annotations

from docrouter.pod_templates import containers, pod_spec
from docrouter.quantities import parse
from docrouter.tools.review.model import Manifest


def images(body: dict) -> dict[str, str]:
    """Container name → image."""
    return {c.get("name", "?"): str(c.get("image", "")) for _, c in containers(body)}


def pod_requests(body: dict) -> tuple[float, float]:
    """(CPU cores, memory bytes) one pod requests (regular containers)."""
    cpu = memory = 0.0
    for container in (pod_spec(body) or {}).get("containers") or []:
        requests = (container.get("resources") or {}).get("requests") or {}
        cpu += parse(requests.get("cpu", 0)) or 0
        memory += parse(requests.get("memory", 0)) or 0
    return cpu, memory


def hpa_for(workload: Manifest, objects: dict) -> Manifest | None:
    for other in objects.values():
        target = (other.body.get("spec") or {}).get("scaleTargetRef") or {}
        if (
            other.key.kind == "HorizontalPodAutoscaler"
            and other.key.namespace == workload.key.namespace
            and target.get("kind") == workload.key.kind
            and target.get("name") == workload.key.name
        ):
            return other
    return None


def replica_count(workload: Manifest, objects: dict) -> tuple[int, bool]:
    """(replicas, HPA-managed?): an HPA-managed workload counts its HPA's minReplicas."""
    spec = workload.body.get("spec") or {}
    hpa = hpa_for(workload, objects)
    if "replicas" not in spec and hpa is not None:
        return as_count((hpa.body.get("spec") or {}).get("minReplicas", 1)), True
    return as_count(spec.get("replicas", 1)), hpa is not None


def as_count(value: object, default: int = 1) -> int:
    """A replica count from a manifest; a damaged value (text, a list) counts as the API default."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default
