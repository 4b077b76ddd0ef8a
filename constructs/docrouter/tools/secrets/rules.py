"""The .sops.yaml creation rules: which age recipients an environment's secrets are encrypted for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from docrouter.preflight import PreflightError
from docrouter.safe_yaml import safe_load

SOPS_CONFIG = ".sops.yaml"
# A fresh clone's .sops.yaml names no real key: `age: REPLACE_WITH_<ENV>_AGE_PUBLIC_KEY`.
PLACEHOLDER_MARK = "REPLACE_WITH"


@dataclass(frozen=True)
class CreationRule:
    recipients: tuple[str, ...]
    encrypted_regex: str


def matching_rule(root: Path, relative_path: str) -> dict | None:
    """The first rule whose path_regex matches, as sops picks it; None when none does."""
    config = root / SOPS_CONFIG
    if not config.is_file():
        raise PreflightError(f"{config} is missing: it holds the age recipients per environment")
    settings = safe_load(config.read_text(encoding="utf-8"))
    rules = (settings.get("creation_rules") if isinstance(settings, dict) else None) or []
    return next((r for r in rules if re.search(r.get("path_regex", ""), relative_path)), None)


def has_placeholder(rule: dict | None) -> bool:
    return rule is not None and PLACEHOLDER_MARK in str(rule.get("age") or "")


def creation_rule(root: Path, relative_path: str) -> CreationRule:
    """The rule sops will use for relative_path; PreflightError when it is missing or unusable."""
    config = root / SOPS_CONFIG
    rule = matching_rule(root, relative_path)
    if rule is None:
        raise PreflightError(f"no creation rule in {config} matches {relative_path}; add one for this environment")
    age = str(rule.get("age") or "")
    if has_placeholder(rule):
        raise PreflightError(
            f"the creation rule for {relative_path} in {config} still has the placeholder {age}: "
            "replace it with your team's age public key (age1..., README 'Bootstrapping a real cluster')"
        )
    recipients = tuple(part.strip() for part in age.split(",") if part.strip())
    if not recipients or not rule.get("encrypted_regex"):
        raise PreflightError(
            f"the creation rule for {relative_path} in {config} needs `age` (comma-separated age1... keys) "
            "and `encrypted_regex`; other sops key types are not used in this repository"
        )
    return CreationRule(recipients, str(rule["encrypted_regex"]))
