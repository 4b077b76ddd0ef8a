"""Flux and kustomize wiring: kustomization.yaml resources, dependsOn (existing, acyclic), paths."""

from __future__ import annotations

from pathlib import Path

from docrouter.paths import KUSTOMIZATION
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.loading import YAML_SUFFIXES, walk_files
from docrouter_tools.validate.model import Finding, file_finding, object_finding


def check_flux_references(inventory: Inventory) -> list[Finding]:
    findings = _check_kustomize_files(inventory)
    # Kustomizations committed in clusters/<env>: unit and its object
    units = {name: (unit, unit.doc) for name, unit in inventory.units.items() if unit.doc is not None}
    for unit, doc in units.values():
        spec = doc.obj.get("spec") or {}
        if unit.folder is None or not unit.folder.is_dir():
            findings.append(
                object_finding(
                    doc,
                    "ref/flux-path",
                    f"spec.path {spec.get('path')!r} is not a folder of this repository "
                    f"(or of dist/{inventory.env.name} for an artifact source)",
                    "point spec.path at an existing dist/ folder, e.g. ./dist/<env>/apps",
                )
            )
        for dependency in spec.get("dependsOn") or []:
            name = dependency.get("name") if isinstance(dependency, dict) else None
            namespace = dependency.get("namespace", doc.namespace) if isinstance(dependency, dict) else None
            target = units.get(name) if isinstance(name, str) else None
            if target is None or target[1].namespace != namespace:
                findings.append(
                    object_finding(
                        doc,
                        "ref/flux-depends-on",
                        f"dependsOn {namespace}/{name}: no such Kustomization in clusters/{inventory.env.name}",
                        "name an existing Kustomization, or remove the dependency",
                    )
                )
    for cycle in _cycles({n: _depends_on(d.obj) for n, (_, d) in units.items()}):
        findings.append(
            object_finding(
                units[cycle[0]][1],
                "ref/flux-depends-on",
                f"dependsOn cycle: {' -> '.join(cycle + [cycle[0]])}; Flux would wait forever",
                "remove one dependency of the cycle",
            )
        )
    return findings


def _depends_on(obj: dict) -> list[str]:
    dependencies = (obj.get("spec") or {}).get("dependsOn") or []
    return [d["name"] for d in dependencies if isinstance(d, dict) and isinstance(d.get("name"), str)]


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each elementary cycle once, found by depth-first search (graphs here have a handful of nodes)."""
    cycles: list[list[str]] = []
    seen: set[frozenset] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in graph.get(node, []):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append(cycle)
            elif nxt in graph:
                visit(nxt, path + [nxt])

    for start in sorted(graph):
        visit(start, [start])
    return cycles


def _check_kustomize_files(inventory: Inventory) -> list[Finding]:
    findings = []
    for display, kustomization in sorted(inventory.kustomize_files.items()):
        folder = (inventory.root / display).parent
        listed = set()
        for resource in kustomization.get("resources") or []:
            if not isinstance(resource, str) or "://" in resource:
                continue
            path = (folder / resource).resolve()
            listed.add(path)
            if not path.is_relative_to(inventory.root.resolve()):
                findings.append(
                    file_finding(
                        "ref/kustomize-resource",
                        display,
                        f"lists {resource[:120]}, which is outside the repository (never read)",
                        "list only files beside the kustomization.yaml (run `make synth`)",
                    )
                )
            elif not path.exists():
                findings.append(
                    file_finding(
                        "ref/kustomize-resource",
                        display,
                        f"lists {resource[:120]}, which does not exist",
                        "run `make synth` (dist/ is generated), or remove the entry",
                    )
                )
        for path in sorted(_manifests_below(folder)):
            if path.resolve() not in listed and not any(path.resolve().is_relative_to(d) for d in listed if d.is_dir()):
                findings.append(
                    file_finding(
                        "ref/kustomize-unlisted",
                        inventory.display(path),
                        f"{display} does not list it, so Flux never applies it",
                        "run `make synth` (it lists every file), or delete the file",
                    )
                )
    return findings


def _manifests_below(folder: Path) -> list[Path]:
    return [p for p in walk_files(folder)[0] if p.suffix in YAML_SUFFIXES and p.name != KUSTOMIZATION]
