"""The .sops.yaml creation rules: which age recipients an environment's secrets are encrypted for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..preflight import PreflightError

SOPS_CONFIG = ".sops.yaml"
PLACEHOLDER_MARK = "REPLACE_WITH"


@dataclass(frozen=True)
class CreationRule:
    recipients: tuple[str, ...]
    encrypted_regex: str


def creation_rule(root: Path, relative_path: str) -> CreationRule:
    """The first rule whose path_regex matches, as sops picks it; PreflightError when it is unusable."""
    config = root / SOPS_CONFIG
    if not config.is_file():
        raise PreflightError(f"{config} is missing: it holds the age recipients per environment")
    rules = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("creation_rules") or []
    rule = next((r for r in rules if re.search(r.get("path_regex", ""), relative_path)), None)
    if rule is None:
        raise PreflightError(f"no creation rule in {config} matches {relative_path}; add one for this environment")
    age = str(rule.get("age") or "")
    if PLACEHOLDER_MARK in age:
        raise PreflightError(
            f"the creation rule for {relative_path} in {config} still has the placeholder {age}: "
            "replace it with your team's age public key (age1..., README 'Secrets')"
        )
    recipients = tuple(part.strip() for part in age.split(",") if part.strip())
    if not recipients or not rule.get("encrypted_regex"):
        raise PreflightError(
            f"the creation rule for {relative_path} in {config} needs `age` (comma-separated age1... keys) "
            "and `encrypted_regex`; other sops key types are not used in this repository"
        )
    return CreationRule(recipients, str(rule["encrypted_regex"]))
