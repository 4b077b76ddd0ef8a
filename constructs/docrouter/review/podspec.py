"""Where workloads keep their pod template, containers, images and selectors."""

from __future__ import annotations

from ..quantities import parse
from .model import Manifest

TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
WORKLOAD_KINDS = ("Deployment", "StatefulSet")


def pod_spec(body: dict) -> dict | None:
    kind, spec = body.get("kind"), body.get("spec") or {}
    if kind in TEMPLATE_KINDS:
        return (spec.get("template") or {}).get("spec") or {}
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
    if kind == "Pod":
        return spec
    return None


def containers(spec: dict) -> list[dict]:
    return list(spec.get("initContainers") or []) + list(spec.get("containers") or [])


def images(body: dict) -> dict[str, str]:
    """Container name → image."""
    spec = pod_spec(body)
    if spec is None:
        return {}
    return {c.get("name", "?"): str(c.get("image", "")) for c in containers(spec)}


def image_tag(image: str) -> str:
    """The tag of an image reference; "" when untagged (a digest counts as pinned)."""
    if "@" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def pod_requests(body: dict) -> tuple[float, float]:
    """(CPU cores, memory bytes) one pod requests (regular containers)."""
    cpu = memory = 0.0
    for container in (pod_spec(body) or {}).get("containers") or []:
        requests = (container.get("resources") or {}).get("requests") or {}
        cpu += parse(requests.get("cpu", 0)) or 0
        memory += parse(requests.get("memory", 0)) or 0
    return cpu, memory


def template_labels(body: dict) -> dict:
    return (((body.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def selects(selector: dict, labels: dict) -> bool:
    match = (selector or {}).get("matchLabels") or {}
    return bool(match) and all(labels.get(k) == v for k, v in match.items())


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
