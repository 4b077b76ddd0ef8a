"""Workload helpers of the reference and policy checks, on pod_templates.py plus operator-made pods."""

from __future__ import annotations

from collections.abc import Iterator

from docrouter import pod_templates
from docrouter.operated import OPERATED_KINDS, operated_pod_labels
from docrouter.pod_templates import WORKLOAD_KINDS, selector_matches
from docrouter_tools.validate.model import Document

# Selectors may also match pods an operator creates from a custom resource (operated.py).
POD_OWNER_KINDS = WORKLOAD_KINDS + tuple(OPERATED_KINDS)


def pod_template(doc: Document) -> dict | None:
    return pod_templates.pod_template(doc.obj)


def pod_spec(doc: Document) -> dict:
    return pod_templates.pod_spec(doc.obj) or {}


def pod_labels(doc: Document) -> dict:
    operated = operated_pod_labels(doc.obj)
    return operated if operated is not None else pod_templates.template_labels(doc.obj)


def containers(doc: Document) -> Iterator[tuple[str, dict]]:
    """("containers" | "initContainers" | "ephemeralContainers", container) for every container."""
    return pod_templates.containers(doc.obj)


def pods_matching(workloads: list[Document], namespace: str | None, selector: dict) -> list[Document]:
    return [w for w in workloads if w.namespace == namespace and selector_matches(selector, pod_labels(w))]


def describe_selector(selector: dict) -> str:
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        parts.append(f"{expression.get('key')} {expression.get('operator')} {expression.get('values') or ''}".strip())
    return ", ".join(parts) or "(empty)"
