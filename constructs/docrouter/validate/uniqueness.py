"""No two objects with the same group/kind/namespace/name in one cluster (Flux refuses the second)."""

from __future__ import annotations

from collections import defaultdict

from .inventory import Inventory
from .model import Document, Finding, object_finding


def check_unique(inventory: Inventory) -> list[Finding]:
    by_key: dict[tuple, list[Document]] = defaultdict(list)
    for doc in inventory.documents:
        by_key[(doc.group, doc.kind, doc.namespace, doc.name)].append(doc)
    findings = []
    for docs in by_key.values():
        for doc in docs[1:]:
            first = docs[0]
            same_unit = first.unit == doc.unit
            scope = "the same Flux Kustomization" if same_unit else f"Kustomizations {first.unit} and {doc.unit}"
            findings.append(
                object_finding(
                    doc,
                    "unique/duplicate",
                    f"also defined in {first.file}#{first.index} ({scope})",
                    "keep one definition, or rename one of them",
                )
            )
    return findings
