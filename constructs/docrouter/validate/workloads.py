"""Pod templates of workloads, and label-selector matching, shared by the reference and policy checks."""

from __future__ import annotations

from typing import Iterator

from ..operated import OPERATED_KINDS, operated_pod_labels
from .model import Document

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")
# Selectors may also match pods an operator creates from a custom resource (operated.py).
POD_OWNER_KINDS = WORKLOAD_KINDS + tuple(OPERATED_KINDS)
LONG_RUNNING_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod")


def pod_template(doc: Document) -> dict | None:
    """The pod template ({metadata, spec}) of a workload, or None for other kinds."""
    spec = doc.obj.get("spec")
    if doc.kind not in WORKLOAD_KINDS or not isinstance(spec, dict):
        return None
    if doc.kind == "Pod":
        return {"metadata": doc.obj.get("metadata") or {}, "spec": spec}
    if doc.kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    template = spec.get("template")
    return template if isinstance(template, dict) else None


def pod_spec(doc: Document) -> dict:
    template = pod_template(doc) or {}
    spec = template.get("spec")
    return spec if isinstance(spec, dict) else {}


def pod_labels(doc: Document) -> dict:
    operated = operated_pod_labels(doc.kind, str((doc.obj.get("metadata") or {}).get("name")))
    if operated is not None:
        return operated
    labels = ((pod_template(doc) or {}).get("metadata") or {}).get("labels") or {}
    return labels if isinstance(labels, dict) else {}


def containers(doc: Document) -> Iterator[tuple[str, dict]]:
    """("containers" | "initContainers" | "ephemeralContainers", container) for every container."""
    spec = pod_spec(doc)
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                yield field, container


def selector_matches(selector: dict, labels: dict) -> bool:
    """A LabelSelector ({matchLabels, matchExpressions}) against a label set."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        present = key in labels
        if operator == "In" and (not present or labels[key] not in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def pods_matching(workloads: list[Document], namespace: str | None, selector: dict) -> list[Document]:
    return [w for w in workloads if w.namespace == namespace and selector_matches(selector, pod_labels(w))]


def describe_selector(selector: dict) -> str:
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        parts.append(f"{expression.get('key')} {expression.get('operator')} {expression.get('values') or ''}".strip())
    return ", ".join(parts) or "(empty)"
