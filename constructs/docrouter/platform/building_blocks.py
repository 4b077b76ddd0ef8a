"""Small building blocks shared by every construct: objects, labels, secure pods.

Objects get explicit names (never derived from the construct path) so moving a
construct never renames, and therefore never deletes and re-creates, a resource.
That is also why cdk8s-plus L2 constructs (kplus.Deployment, kplus.Service, ...) are
not used: they derive object names and pod selectors from the construct path, so
moving or renaming a construct would rename the object and change its (immutable)
selector, and Flux would delete and re-create it. Objects are built through one typed
class per kind instead (api_objects.py), which writes exactly the names and selectors given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from constructs import Construct

from docrouter.config import Resources
from docrouter.constants import PART_OF_LABEL
from docrouter.platform.api_objects import KubeObject, gvk, typed_object
from docrouter.pod_templates import image_reference


def api_object(
    scope: Construct,
    of: type[KubeObject],
    *,
    name: str,
    namespace: str | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> KubeObject:
    """One object of typed class `of` (api_objects.Deployment, api_objects.HelmRelease, ...).

    `body` holds every top-level field after metadata, in Kubernetes' spelling.
    """
    api_version, kind = gvk(of)
    if len(name) > 63:
        raise ValueError(f"{kind} name '{name}' is {len(name)} characters; Kubernetes allows 63")
    metadata = {"name": name, "namespace": namespace, "labels": labels or None, "annotations": annotations or None}
    obj = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {k: v for k, v in metadata.items() if v is not None},
        **(body or {}),
    }
    return typed_object(scope, "/".join(filter(None, [kind, namespace, name])), obj)


def selector_labels(name: str) -> dict[str, str]:
    """Labels that pick a workload's pods. Never add a version here: selectors are immutable."""
    return {"app.kubernetes.io/name": name, **PART_OF_LABEL}


def labels(name: str, component: str, version: str | None = None) -> dict[str, str]:
    """Kubernetes' recommended app.kubernetes.io/* labels."""
    result = {
        **selector_labels(name),
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "cdk8s",
    }
    if version:
        result["app.kubernetes.io/version"] = version
    return result


def resources(spec: Resources) -> dict[str, Any]:
    return {
        "requests": {"cpu": spec.requests.cpu, "memory": spec.requests.memory},
        "limits": {"cpu": spec.limits.cpu, "memory": spec.limits.memory},
    }


# Pod Security Standard "restricted", plus a read-only root filesystem.
CONTAINER_SECURITY_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
}


def pod_security_context(uid: int) -> dict[str, Any]:
    return {
        "fsGroup": uid,
        "fsGroupChangePolicy": "OnRootMismatch",
        "runAsGroup": uid,
        "runAsNonRoot": True,
        "runAsUser": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


DEFAULT_WRITABLE_SIZE = "256Mi"


def writable_volumes(paths: dict[str, str], sizes: dict[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """emptyDir volumes (and their mounts) for each path a process must write to.

    The root filesystem is read-only, so every writable path is listed explicitly.
    `sizes` overrides the default limit per volume name (the pod is evicted above it).
    """
    sizes = sizes or {}
    volumes = [{"name": name, "emptyDir": {"sizeLimit": sizes.get(name, DEFAULT_WRITABLE_SIZE)}} for name in paths]
    mounts = [{"name": name, "mountPath": path} for name, path in paths.items()]
    return volumes, mounts


def pull_policy(image: str) -> str:
    """IfNotPresent for an image pinned by digest: pulling again can only fetch the same bytes.

    Always for a tag: every pod start asks the registry what the tag names now (one manifest
    request; layers stay cached), so a re-pushed tag can never leave nodes running different
    code under one name. Pin environments by digest (`vX.Y.Z@sha256:…`, docs/environments.md)
    to start pods without the registry; checkov's CKV_K8S_15 (Always) is then a documented miss.
    """
    return "IfNotPresent" if image_reference(image)[2] else "Always"


def container(
    *,
    name: str,
    image: str,
    spec: Resources,
    command: Iterable[str] | None = None,
    args: Iterable[str] | None = None,
    ports: dict[str, int] | None = None,
    working_dir: str | None = None,
    env: list[dict] | None = None,
    env_from: list[dict] | None = None,
    mounts: list[dict] | None = None,
    readiness: dict | None = None,
    liveness: dict | None = None,
    startup: dict | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {"name": name, "image": image, "imagePullPolicy": pull_policy(image)}
    if command is not None:
        result["command"] = list(command)
    if args is not None:
        result["args"] = list(args)
    if working_dir:
        result["workingDir"] = working_dir
    if ports:
        result["ports"] = [
            {"name": port_name, "containerPort": number, "protocol": "TCP"} for port_name, number in ports.items()
        ]
    if env_from:
        result["envFrom"] = env_from
    if env:
        result["env"] = env
    for key, probe in (("startupProbe", startup), ("readinessProbe", readiness), ("livenessProbe", liveness)):
        if probe:
            result[key] = probe
    result["resources"] = resources(spec)
    result["securityContext"] = dict(CONTAINER_SECURITY_CONTEXT)
    if mounts:
        result["volumeMounts"] = mounts
    return result


def spread_constraints(pod_labels: dict[str, str]) -> list[dict[str, Any]]:
    """Soft spread: prefer different nodes and zones, but never leave a pod Pending for it."""
    return [
        {
            "labelSelector": {"matchLabels": dict(pod_labels)},
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
        }
        for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
    ]


def pod_spec(
    *,
    containers: list[dict],
    uid: int,
    volumes: list[dict] | None = None,
    init_containers: list[dict] | None = None,
    spread_labels: dict[str, str] | None = None,
    restart_policy: str | None = None,
    termination_grace_seconds: int = 30,
) -> dict[str, Any]:
    """A pod that meets the restricted Pod Security Standard and mounts no API token."""
    spec: dict[str, Any] = {"automountServiceAccountToken": False}
    if restart_policy:
        spec["restartPolicy"] = restart_policy
    spec["securityContext"] = pod_security_context(uid)
    spec["terminationGracePeriodSeconds"] = termination_grace_seconds
    if spread_labels:
        spec["topologySpreadConstraints"] = spread_constraints(spread_labels)
    if init_containers:
        spec["initContainers"] = init_containers
    spec["containers"] = containers
    if volumes:
        spec["volumes"] = volumes
    return spec


def http_probe(path: str, port: str, *, period: int, timeout: int = 5, failures: int = 3) -> dict:
    return {
        "httpGet": {"path": path, "port": port},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def exec_probe(command: list[str], *, period: int, timeout: int = 5, failures: int = 3) -> dict:
    return {
        "exec": {"command": command},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }
