"""No two objects with the same group/kind/namespace/name in one cluster (Flux refuses the second)."""

from __future__ import annotations

from docrouter.identity import duplicates
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.model import Finding, object_finding


def check_unique(inventory: Inventory) -> list[Finding]:
    findings = []
    # doc.namespace, not metadata's: a Kustomization's targetNamespace places the object too.
    for first, doc in duplicates(inventory.documents, lambda d: (d.group, d.kind, d.namespace, d.name)):
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
