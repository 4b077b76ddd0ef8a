"""In-memory manifest trees for review tests: the committed dist/ plus edits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from conftest import REPO
from docrouter.synthesis.synth import to_yaml
from docrouter_tools.review.manifests import read_folder

APPS = "dist/production/apps/doc-router"
BASE_TREE = read_folder(REPO / "dist", "dist")
# repository path → file content, as committed (bytes) or as a test wrote it (text)
Tree = dict[str, str | bytes]


def production() -> Tree:
    return {p: t for p, t in BASE_TREE.items() if p.startswith("dist/production/")}


def edit(tree: Tree, path: str, change: Callable[[dict], None]) -> Tree:
    body = yaml.safe_load(tree[path])
    change(body)
    return {**tree, path: to_yaml(body)}


def add(tree: Tree, path: str, body: dict) -> Tree:
    return {**tree, path: to_yaml(body)}


def pvc(name: str, size: str = "10Gi", storage_class: str = "gp3") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "doc-router"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": storage_class,
            "resources": {"requests": {"storage": size}},
        },
    }


def secret(name: str, data: dict, sops: bool) -> dict:
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "doc-router"},
        "type": "Opaque",
        "stringData": data,
    }
    if sops:
        body["sops"] = {"mac": "ENC[AES256_GCM,data:mac,type:str]", "lastmodified": "2026-01-01T00:00:00Z"}
    return body


def synthesized(env: str, change: Callable[[dict], None] | None = None, directory: Path | None = None) -> Tree:
    """dist/<env>/ and clusters/<env>/ as synth renders them from the environment file, after change edits
    its YAML: the review of an environment-file edit, end to end, without writing the checkout."""
    from docrouter.config import load_environment
    from docrouter.paths import ENVIRONMENTS_DIR
    from docrouter.synthesis.synth import render, render_clusters

    source = yaml.safe_load((ENVIRONMENTS_DIR / f"{env}.yaml").read_text())
    if change:
        change(source)
    assert directory is not None, "give a temporary directory for the edited environment file"
    (directory / f"{env}.yaml").write_text(yaml.safe_dump(source, sort_keys=False))
    environment = load_environment(env, directory)
    dist = render(environment)
    tree: Tree = {f"dist/{env}/{path}": content for path, content in dist.items()}
    tree |= {f"clusters/{env}/{name}": text for name, text in render_clusters(environment, dist).items()}
    return tree
