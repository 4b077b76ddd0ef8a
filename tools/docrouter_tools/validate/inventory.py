"""Everything one environment deploys: the documents of dist/<env>/ and clusters/<env>/, by Flux Kustomization.

When clusters/<env>/ holds Flux Kustomizations, their spec.path decides which Kustomization applies a
file (a GitRepository path is relative to the repository root; an OCIRepository artifact is dist/<env>/,
which is what `make kind-deploy` pushes). Before clusters/ exists, each layer of layers.py stands for
the Kustomization of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from docrouter.config import Environment
from docrouter.layers import LAYERS
from docrouter_tools.validate.loading import YAML_SUFFIXES, parse_documents, read_text, symlink_finding, walk_files
from docrouter_tools.validate.model import CLUSTER_SCOPED_KINDS, WARNING, Document, Finding, file_finding

KUSTOMIZE_GROUP = "kustomize.config.k8s.io"
FLUX_KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
ARTIFACT_SOURCES = ("OCIRepository", "Bucket")


@dataclass
class FluxUnit:
    """A Flux Kustomization: its name, the folder it applies, and its own object (when committed)."""

    name: str
    folder: Path | None
    doc: Document | None = None
    target_namespace: str | None = None


@dataclass
class Inventory:
    env: Environment
    root: Path
    documents: list[Document] = field(default_factory=list)
    kustomize_files: dict[str, dict] = field(default_factory=dict)  # display path → kustomization.yaml
    units: dict[str, FluxUnit] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def display(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def of_kind(self, *kinds: str) -> list[Document]:
        return [d for d in self.documents if d.kind in kinds]


def load_inventory(root: Path, env: Environment) -> Inventory:
    inventory = Inventory(env, root)
    dist, clusters = root / "dist" / env.name, root / "clusters" / env.name
    for folder in (dist, clusters):
        files, links = walk_files(folder)
        inventory.findings += [symlink_finding(inventory.display(link)) for link in links]
        for path in files:
            _load_file(inventory, path)
    _assign_units(inventory, dist, clusters)
    return inventory


def _load_file(inventory: Inventory, path: Path) -> None:
    display = inventory.display(path)
    if path.suffix not in YAML_SUFFIXES:
        inventory.findings.append(
            file_finding(
                "parse/not-yaml", display, "not a .yaml file; Flux ignores it", "remove it or rename it", WARNING
            )
        )
        return
    text, findings = read_text(path, display)
    inventory.findings += findings
    if text is None:
        return
    documents, findings = parse_documents(text, display)
    inventory.findings += findings
    for index, obj in documents:
        _add_document(inventory, display, index, obj)


def _add_document(inventory: Inventory, display: str, index: int, obj: object) -> None:
    def problem(rule: str, message: str, fix: str) -> None:
        inventory.findings.append(file_finding(rule, display, message, fix, document=index))

    if not isinstance(obj, dict):
        problem("parse/not-an-object", f"document is a {type(obj).__name__}, not a mapping", "write one object")
        return
    if obj.get("kind") == "List" or str(obj.get("kind", "")).endswith("List") and "items" in obj:
        problem("parse/list-kind", "a List document", "write each item as its own document or file")
        return
    if str(obj.get("apiVersion", "")).split("/")[0] == KUSTOMIZE_GROUP:
        inventory.kustomize_files[display] = obj
        return
    metadata = obj.get("metadata")
    missing = [f for f in ("apiVersion", "kind") if not isinstance(obj.get(f), str) or not obj.get(f)]
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str) or not metadata.get("name"):
        missing.append("metadata.name")
    if missing:
        problem("parse/missing-field", f"missing {', '.join(missing)}", "add the missing fields")
        return
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    inventory.documents.append(Document(obj, display, index, namespace=namespace if namespace else None))


def _assign_units(inventory: Inventory, dist: Path, clusters: Path) -> None:
    flux = [d for d in inventory.documents if d.group == FLUX_KUSTOMIZE_GROUP and d.kind == "Kustomization"]
    if flux:
        for doc in flux:
            spec = doc.obj.get("spec") or {}
            unit = FluxUnit(doc.name, _flux_folder(inventory.root, dist, spec), doc, spec.get("targetNamespace"))
            inventory.units[doc.name] = unit
    else:
        for layer in LAYERS:
            inventory.units[layer.name] = FluxUnit(layer.name, dist / layer.path)
    clusters_unit = inventory.display(clusters) if clusters.is_relative_to(inventory.root) else str(clusters)
    for doc in inventory.documents:
        path = inventory.root / doc.file
        owner = _unit_for(inventory.units.values(), path)
        doc.unit = owner.name if owner else clusters_unit if path.is_relative_to(clusters) else ""
        if owner and owner.target_namespace and doc.kind not in CLUSTER_SCOPED_KINDS:
            doc.namespace = owner.target_namespace
        if doc.namespace is None and doc.kind not in CLUSTER_SCOPED_KINDS:
            inventory.findings.append(
                file_finding(
                    "parse/missing-namespace",
                    doc.file,
                    f"{doc.kind} {doc.name} is namespaced but has no metadata.namespace",
                    "set metadata.namespace (or spec.targetNamespace on its Flux Kustomization)",
                    document=doc.index,
                )
            )


def _flux_folder(root: Path, dist: Path, spec: dict) -> Path | None:
    path = spec.get("path") or "./"
    source_kind = (spec.get("sourceRef") or {}).get("kind")
    base = dist if source_kind in ARTIFACT_SOURCES else root
    if not isinstance(path, str):
        return None
    folder = (base / path).resolve()
    return folder if folder.is_relative_to(root.resolve()) else None


def _unit_for(units, path: Path) -> FluxUnit | None:  # noqa: ANN001 - iterable of FluxUnit
    resolved = path.resolve()
    matches = [u for u in units if u.folder is not None and resolved.is_relative_to(u.folder.resolve())]
    return max(matches, key=lambda u: len(u.folder.parts), default=None)
