"""Workload facts the diff weighs (images, requests, replicas); the rules are kinds.py and pod_templates.py."""

from __future__ import annotations

from docrouter.kinds import replicas
from docrouter.pod_templates import containers, pod_spec
from docrouter.quantities import parse
from docrouter_tools.review.model import Manifest


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


def replica_count(workload: Manifest, objects: dict) -> tuple[int, bool]:
    """(replicas, HPA-managed?) by the one rule in kinds.py."""
    found = replicas(workload.body, (m.body for m in objects.values()))
    return found.count, found.hpa
