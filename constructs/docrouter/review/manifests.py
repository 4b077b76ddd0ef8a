"""Read a tree of rendered files (path → text) into objects keyed per environment.

Paths are relative to the repository: dist/<env>/... and clusters/<env>/....
kustomize's own kustomization.yaml files list resources; they are not objects.
SOPS-encrypted Secret files (*.sops.yaml) are plain YAML with a top-level `sops:` key.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .model import Manifest, ObjectKey

ROOTS = ("dist", "clusters")


class ManifestError(Exception):
    """A file in the tree is not readable YAML; the message names it."""


def env_of(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] in ROOTS:
        return parts[1]
    return None


def _is_kustomize_file(body: dict) -> bool:
    return body.get("kind") == "Kustomization" and str(body.get("apiVersion", "")).startswith("kustomize.config.k8s.io")


def parse_tree(tree: dict[str, str]) -> dict[ObjectKey, Manifest]:
    objects: dict[ObjectKey, Manifest] = {}
    for path in sorted(tree):
        env = env_of(path)
        if env is None or not path.endswith((".yaml", ".yml")):
            continue
        try:
            documents = list(yaml.safe_load_all(tree[path]))
        except yaml.YAMLError as exc:
            raise ManifestError(f"{path} is not valid YAML: {exc}") from None
        for body in documents:
            if not isinstance(body, dict) or "kind" not in body or _is_kustomize_file(body):
                continue
            meta = body.get("metadata") or {}
            key = ObjectKey(env, str(body["kind"]), str(meta.get("namespace") or ""), str(meta.get("name") or ""))
            objects[key] = Manifest(key, path, body)
    return objects


def read_folder(folder: Path, prefix: str) -> dict[str, str]:
    """Files under folder as a tree whose paths start with prefix (e.g. 'dist')."""
    if not folder.is_dir():
        return {}
    return {
        f"{prefix}/{p.relative_to(folder).as_posix()}": p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in (".yaml", ".yml")
    }


def environments(objects: dict[ObjectKey, Manifest]) -> set[str]:
    return {key.env for key in objects}
