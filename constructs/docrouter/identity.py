"""What makes a Kubernetes object itself, and how messages name it: one definition for every tool.

Two objects are the same object in a cluster when group, kind, namespace and name agree
(the version does not count: apps/v1 and apps/v1beta1 Deployments collide).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T")


def api_group(obj: dict) -> str:
    """The API group of an object ("" for the core group, apiVersion v1)."""
    api_version = str(obj.get("apiVersion", ""))
    return api_version.split("/")[0] if "/" in api_version else ""


def is_builtin_group(group: str) -> bool:
    """Whether an API group is Kubernetes' own (core, apps, networking.k8s.io, ...), not a custom resource's."""
    return "." not in group or group.endswith(".k8s.io")


def object_key(obj: dict) -> tuple[str, str, str | None, str]:
    """(group, kind, namespace, name): equal keys are one object to the API server."""
    meta = obj.get("metadata") or {}
    return api_group(obj), str(obj.get("kind", "")), meta.get("namespace") or None, str(meta.get("name", ""))


def object_ref(kind: str, namespace: str | None, name: str) -> str:
    """How messages name an object: `Deployment doc-router/backend`, `ClusterIssuer letsencrypt-prod`."""
    return f"{kind} {namespace + '/' if namespace else ''}{name}"


def ref_of(obj: dict) -> str:
    _, kind, namespace, name = object_key(obj)
    return object_ref(kind, namespace, name)


def duplicates(items: Iterable[T], key: Callable[[T], Hashable]) -> list[tuple[T, T]]:
    """(first, later) for every item whose key an earlier item already had, in input order."""
    first: dict[Hashable, T] = {}
    found = []
    for item in items:
        k = key(item)
        if k in first:
            found.append((first[k], item))
        else:
            first[k] = item
    return found


def field_path(parts: Iterable[str | int]) -> str:
    """How messages name a field: spec.template.spec.containers[0].image (as kubectl explain spells it)."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
