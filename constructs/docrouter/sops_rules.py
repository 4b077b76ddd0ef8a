"""The .sops.yaml creation rules: which age recipients an environment's secrets are encrypted for."""

from __future__ import annotations

import functools
import re
import subprocess
import sys
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
    rules = [r for r in rules if isinstance(r, dict)]
    index = first_match(tuple(str(r.get("path_regex", "")) for r in rules), relative_path, config)
    return rules[index] if index is not None else None


# sops matches path_regex with Go's regexp (RE2: linear time); Python's re backtracks, so a pattern
# like `(a+)+$` can take forever. The match runs in a child process that is stopped after this long.
MATCH_SECONDS = 3.0
_MATCHER = (
    "import re, sys\n"
    "patterns, path = sys.argv[1:-1], sys.argv[-1]\n"
    "print(next((i for i, p in enumerate(patterns) if re.search(p, path)), -1))\n"
)


@functools.lru_cache(maxsize=256)
def first_match(patterns: tuple[str, ...], path: str, config: Path) -> int | None:
    """Index of the first pattern that matches path, as sops picks its rule; bounded in time."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise PreflightError(
                f"path_regex {pattern[:80]!r} in {config} is not a valid regular expression ({exc})"
            ) from None
    try:
        result = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _MATCHER, *patterns, path],
            capture_output=True,
            text=True,
            timeout=MATCH_SECONDS,
            check=True,
        )
    except subprocess.TimeoutExpired:
        raise PreflightError(
            f"a path_regex in {config} takes more than {MATCH_SECONDS:.0f} s to match {path} (nested repetition "
            "such as `(a+)+` backtracks without end); write it without nested repetition, e.g. "
            r"`secrets/staging/.*\.sops\.yaml$`"
        ) from None
    except (subprocess.CalledProcessError, OSError) as exc:
        raise PreflightError(f"the path_regex rules in {config} could not be matched ({exc})") from None
    index = int(result.stdout.strip() or -1)
    return None if index < 0 else index


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
