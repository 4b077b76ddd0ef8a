"""Read a tree of rendered files (path → text) into objects keyed per environment.

Paths are relative to the repository: dist/<env>/... and clusters/<env>/....
kustomize's own kustomization.yaml files list resources; they are not objects.
SOPS-encrypted Secret files (*.sops.yaml) are plain YAML with a top-level `sops:` key.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml

from docrouter import tree_files
from docrouter.safe_yaml import StrictLoader, syntax_error
from docrouter_tools.review.model import Manifest, ObjectKey

ROOTS = ("dist", "clusters")
MAX_FILE_BYTES = 4 * 1024 * 1024  # as `make validate`: no manifest we write comes near it
FIX = "Fix: restore the file from a good revision, or run `make synth` and commit dist/ and clusters/."


class ManifestError(Exception):
    """A file in the tree is not readable YAML; the message names it."""


def env_of(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] in ROOTS:
        return parts[1]
    return None


def _is_kustomize_file(body: dict) -> bool:
    return body.get("kind") == "Kustomization" and str(body.get("apiVersion", "")).startswith("kustomize.config.k8s.io")


def decode(path: str, content: str | bytes) -> str:
    """The file as text, or a ManifestError naming it (binary, not UTF-8, too large): never a traceback."""
    if isinstance(content, str):
        return content
    if len(content) > MAX_FILE_BYTES:
        raise ManifestError(f"{path} is {len(content)} bytes, over the {MAX_FILE_BYTES}-byte cap for a manifest. {FIX}")
    if b"\0" in content:
        raise ManifestError(f"{path} holds binary data (NUL bytes), not a YAML manifest. {FIX}")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = f"byte 0x{content[exc.start]:02x} at offset {exc.start}"
        raise ManifestError(f"{path} is not UTF-8 text ({byte}). {FIX}") from None


def parse_tree(tree: Mapping[str, str | bytes]) -> dict[ObjectKey, Manifest]:
    objects: dict[ObjectKey, Manifest] = {}
    for path in sorted(tree):
        env = env_of(path)
        if env is None or not path.endswith((".yaml", ".yml")):
            continue
        try:
            # Strict: a committed alias "bomb" is refused before it expands; repeated keys are errors.
            documents = list(yaml.load_all(decode(path, tree[path]), Loader=StrictLoader))  # noqa: S506 - safe loader
        except (yaml.YAMLError, RecursionError) as exc:
            problem = syntax_error(exc) if isinstance(exc, yaml.YAMLError) else "nested too deeply"
            raise ManifestError(f"{path} is not valid YAML ({problem}). {FIX}") from None
        for body in documents:
            if not isinstance(body, dict) or "kind" not in body or _is_kustomize_file(body):
                continue
            meta = body.get("metadata") or {}
            key = ObjectKey(env, str(body["kind"]), str(meta.get("namespace") or ""), str(meta.get("name") or ""))
            objects[key] = Manifest(key, path, body)
    return objects


def read_folder(folder: Path, prefix: str) -> dict[str, bytes]:
    """YAML files under folder (bytes, decoded when parsed) as a tree whose paths start with prefix (e.g. 'dist').

    Regular files only, read through tree_files.py: links, FIFOs and devices are never opened.
    """
    return {
        f"{prefix}/{path.relative_to(folder).as_posix()}": raw
        for path, raw in sorted(tree_files.read_folder(folder, (".yaml", ".yml")).items())
    }


def environments(objects: dict[ObjectKey, Manifest]) -> set[str]:
    return {key.env for key in objects}
