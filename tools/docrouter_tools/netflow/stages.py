"""The stages of a first install, replayed from the generated Flux objects.

The order is read from clusters/<env>/ (each Kustomization's dependsOn), never from a second list:
stage k holds everything in the first k Kustomizations' folders of dist/<env>/, plus the pods the
provider and the controllers run for it (runtime.py). Files are given as a tree (repository path → text)
so the same code reads the working copy, a git revision or what `make validate` loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from docrouter.paths import KUSTOMIZATION
from docrouter.pod_templates import WORKLOAD_KINDS, pod_template
from docrouter.safe_yaml import safe_load_all
from docrouter.tree_files import read_folder
from docrouter_tools.netflow.runtime import RuntimePod, runtime_pods

FLUX_KUSTOMIZATION = ("kustomize.toolkit.fluxcd.io", "Kustomization")
ARTIFACT_SOURCES = ("OCIRepository", "Bucket")  # their paths are relative to the artifact, i.e. dist/<env>/


class StageError(Exception):
    """The Flux order cannot be replayed; the message names the environment, the file and the fix."""


@dataclass(frozen=True)
class Stage:
    env: str
    index: int  # 1-based
    name: str  # the Flux Kustomization applied last
    file: str  # where that Kustomization is defined (clusters/<env>/...)
    objects: tuple[dict, ...]  # our manifests of layers 1..index
    pods: tuple[RuntimePod, ...]  # every pod running at this stage (ours and the runtime's)
    provider: str = ""  # which flows apply (flows.Flow.providers)

    @property
    def label(self) -> str:
        return f"{self.index}-{self.name}"


def read_tree(root: Path, env: str) -> dict[str, str]:
    """dist/<env>/ and clusters/<env>/ of a working copy as a tree (regular files only: tree_files.py)."""
    tree = {}
    for top in ("dist", "clusters"):
        for path, raw in read_folder(root / top / env, (".yaml",)).items():
            relative = path.relative_to(root).as_posix()
            try:
                tree[relative] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise StageError(f"{relative} cannot be read as UTF-8 text. Fix: run `make synth`") from None
    return dict(sorted(tree.items()))


def _documents(path: str, text: str) -> list[dict]:
    try:
        return [d for d in safe_load_all(text) if isinstance(d, dict)]
    except yaml.YAMLError as exc:
        raise StageError(f"{path} is not valid YAML ({exc.__class__.__name__}). Fix: run `make synth`") from None


def _kustomizations(env: str, tree: Mapping[str, str]) -> list[tuple[str, dict]]:
    found = []
    for path in sorted(p for p in tree if p.startswith(f"clusters/{env}/")):
        for doc in _documents(path, tree[path]):
            group = str(doc.get("apiVersion", "")).split("/")[0]
            if (group, doc.get("kind")) == FLUX_KUSTOMIZATION:
                found.append((path, doc))
    if not found:
        raise StageError(f"environment '{env}': no Flux Kustomization in clusters/{env}/. Fix: run `make synth`")
    return found


def flux_order(env: str, kustomizations: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Kustomizations in the order Flux can apply them (dependsOn first; ties by name)."""
    by_name = {doc["metadata"]["name"]: (path, doc) for path, doc in kustomizations}
    needs = {}
    for name, (path, doc) in by_name.items():
        needs[name] = {d.get("name") for d in (doc.get("spec") or {}).get("dependsOn") or []}
        if missing := needs[name] - set(by_name):
            raise StageError(
                f"environment '{env}': {path} depends on {', '.join(sorted(missing))}, which "
                f"clusters/{env}/ does not define. Fix: run `make synth`"
            )
    ordered: list[str] = []
    while len(ordered) < len(by_name):
        ready = sorted(n for n in by_name if n not in ordered and needs[n] <= set(ordered))
        if not ready:
            cycle = sorted(set(by_name) - set(ordered))
            raise StageError(
                f"environment '{env}': dependsOn forms a cycle among {', '.join(cycle)} in "
                f"clusters/{env}/. Fix: run `make synth`"
            )
        ordered.append(ready[0])
    return [by_name[n] for n in ordered]


def _folder(env: str, spec: dict) -> str:
    path = str(spec.get("path") or "./").strip()
    base = f"dist/{env}/" if (spec.get("sourceRef") or {}).get("kind") in ARTIFACT_SOURCES else ""
    parts = [p for p in (base + path).split("/") if p not in ("", ".")]
    return "/".join(parts) + "/"


def _manifests_under(folder: str, tree: Mapping[str, str]) -> list[dict]:
    objects = []
    for path in sorted(p for p in tree if p.startswith(folder)):
        if path.endswith((f"/{KUSTOMIZATION}", ".sops.yaml")):
            continue  # kustomize's file lists, and Secrets (no pods, no policies)
        objects += _documents(path, tree[path])
    return objects


def _template_count(obj: dict) -> tuple[dict, int]:
    replicas = (obj.get("spec") or {}).get("replicas", 1)
    # A damaged count (`replicas: many`) is validate's finding; the flows still need the pods.
    scaled = obj["kind"] in ("Deployment", "StatefulSet", "ReplicaSet") and isinstance(replicas, int)
    # Two pods are enough to prove pod ↔ pod of one workload.
    return pod_template(obj) or {}, min(replicas if scaled else 1, 2)


def workload_pods(obj: dict) -> list[RuntimePod]:
    """The pods a workload of our manifests runs (its role is the app.kubernetes.io/name label)."""
    meta = obj.get("metadata") or {}
    template, count = _template_count(obj)
    labels = dict((template.get("metadata") or {}).get("labels") or {})
    containers = (template.get("spec") or {}).get("containers") or []
    ports = tuple((p.get("protocol", "TCP"), p["containerPort"]) for ct in containers for p in ct.get("ports") or [])
    role = labels.get("app.kubernetes.io/name", meta.get("name", ""))
    return [
        RuntimePod(
            role,
            meta.get("namespace", ""),
            f"{meta.get('name')}-{i}",
            labels,
            ports,
            f"{obj['kind']} {meta.get('name')}",
        )
        for i in range(count)
    ]


def pods_of(provider: str, objects: Iterable[dict]) -> tuple[RuntimePod, ...]:
    objects = list(objects)
    ours = [pod for obj in objects if obj.get("kind") in WORKLOAD_KINDS for pod in workload_pods(obj)]
    return tuple(ours + runtime_pods(provider, objects))


def load_stages(env: str, provider: str, tree: Mapping[str, str]) -> list[Stage]:
    stages: list[Stage] = []
    objects: list[dict[str, Any]] = []
    for index, (path, doc) in enumerate(flux_order(env, _kustomizations(env, tree)), start=1):
        objects += _manifests_under(_folder(env, doc.get("spec") or {}), tree)
        pods = pods_of(provider, objects)
        stages.append(Stage(env, index, doc["metadata"]["name"], path, tuple(objects), pods, provider))
    return stages
