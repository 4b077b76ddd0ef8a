"""Where workloads keep their pods, how label selectors match, how image references split.

One definition used by the synth guards (manifest_rules.py), `make validate`, `make diff` and
the network-flow proof, on plain manifest dicts.
"""

from __future__ import annotations

from collections.abc import Iterator

# Kinds whose spec.template is a pod template; CronJob nests one under jobTemplate; a Pod is its own.
TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
WORKLOAD_KINDS = (*TEMPLATE_KINDS, "CronJob", "Pod")
CONTAINER_FIELDS = ("initContainers", "containers", "ephemeralContainers")


def pod_template(obj: dict) -> dict | None:
    """The pod template ({metadata, spec}) of a workload; None for other kinds or a damaged spec."""
    kind, spec = obj.get("kind"), obj.get("spec")
    if kind not in WORKLOAD_KINDS or not isinstance(spec, dict):
        return None
    if kind == "Pod":
        return {"metadata": obj.get("metadata") or {}, "spec": spec}
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template")
    return template if isinstance(template, dict) else None


def pod_spec(obj: dict) -> dict | None:
    """The pod spec of a workload ({} when its template has none); None for other kinds."""
    template = pod_template(obj)
    if template is None:
        return None
    spec = template.get("spec")
    return spec if isinstance(spec, dict) else {}


def template_labels(obj: dict) -> dict:
    labels = ((pod_template(obj) or {}).get("metadata") or {}).get("labels")
    return labels if isinstance(labels, dict) else {}


def containers(obj: dict) -> Iterator[tuple[str, dict]]:
    """(field, container) for every container of a workload, init containers first."""
    spec = pod_spec(obj) or {}
    for field in CONTAINER_FIELDS:
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                yield field, container


def selector_matches(selector: dict | None, labels: dict) -> bool:
    """A metav1.LabelSelector against a label set, as apimachinery's LabelSelectorAsSelector does:
    a null selector matches nothing, an empty one everything; an unknown operator is invalid (no match)."""
    if selector is None or not isinstance(selector, dict):
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        present = key in labels
        if operator == "In":
            matched = present and labels[key] in values
        elif operator == "NotIn":
            matched = not present or labels[key] not in values
        elif operator == "Exists":
            matched = present
        elif operator == "DoesNotExist":
            matched = not present
        else:
            return False
        if not matched:
            return False
    return True


def min_available(pdb: dict) -> int | None:
    """A PodDisruptionBudget's integer minAvailable; None when absent or a percentage."""
    minimum = (pdb.get("spec") or {}).get("minAvailable")
    return minimum if isinstance(minimum, int) and not isinstance(minimum, bool) else None


def blocks_drains(replicas: int, minimum: int | None) -> bool:
    """A PDB with minAvailable ≥ replicas allows no eviction at all: every node drain waits forever."""
    return minimum is not None and replicas <= minimum


def image_reference(image: str) -> tuple[str, str, str]:
    """(repository, tag, digest) of `repository[:tag][@digest]`; "" for a missing part.

    The tag is after the last ':' of the last path segment, so a registry port (host:5000/app) is no tag.
    """
    name, _, digest = image.partition("@")
    head, _, last = name.rpartition("/")
    repository, _, tag = last.partition(":")
    return (f"{head}/{repository}" if head else repository), tag, digest


def unpinned(image: str) -> str | None:
    """Why an image is not pinned ("no tag", "tag latest"), or None for a release tag or a digest."""
    _, tag, digest = image_reference(image)
    if digest:
        return None
    if not tag:
        return "no tag"
    return "tag latest" if tag == "latest" else None
