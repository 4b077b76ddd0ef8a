"""Run every check on one environment and return its findings, most severe first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from docrouter.config import Environment
from docrouter_tools.validate.config_references import check_config_references
from docrouter_tools.validate.drift import check_drift
from docrouter_tools.validate.flux_references import check_flux_references
from docrouter_tools.validate.inventory import Inventory, load_inventory
from docrouter_tools.validate.lifecycle import check_kubernetes_support
from docrouter_tools.validate.model import SEVERITY_ORDER, Finding, file_finding
from docrouter_tools.validate.netpol_flow import check_netpol_flow
from docrouter_tools.validate.placeholders import check_placeholders
from docrouter_tools.validate.policy import check_policy
from docrouter_tools.validate.references import check_references
from docrouter_tools.validate.schema import check_schemas
from docrouter_tools.validate.sops_secrets import check_sops_secrets
from docrouter_tools.validate.uniqueness import check_unique

CHECKS: tuple[Callable[[Inventory], list[Finding]], ...] = (
    check_schemas,
    check_unique,
    check_references,
    check_config_references,
    check_flux_references,
    check_policy,
    check_netpol_flow,
    check_sops_secrets,
    check_kubernetes_support,
    check_placeholders,
)


def validate_environment(root: Path, env: Environment, with_drift: bool = True) -> list[Finding]:
    inventory = load_inventory(root, env)
    findings = list(inventory.findings)
    for check in CHECKS:
        try:
            findings += check(inventory)
        except Exception as exc:  # noqa: BLE001 - odd input shapes must give a finding, never a traceback
            message = f"{check.__name__} stopped on {type(exc).__name__}: {str(exc)[:200]}"
            fix = "fix the schema errors reported for this environment first; if none, report this as a bug"
            findings.append(file_finding("internal/check-failed", f"dist/{env.name}", message, fix))
    if with_drift:
        findings += check_drift(root, env)
    return most_severe_first(findings)


def most_severe_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.index(f.severity), f.rule, f.file, f.document or 0, f.object))
