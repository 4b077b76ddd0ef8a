"""Which environments exist: one file each in environments/. Importable without pydantic or cdk8s,
so every command can refuse an unknown --env / ENV= as a usage error before doing any work."""

from __future__ import annotations

import argparse
import re

from docrouter.paths import ENVIRONMENTS_DIR, REPO_ROOT

ENV_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")  # a DNS-1123 label: it names dist/<env>/ and objects


def known_environment(name: str) -> str:
    """argparse type for --env: an unknown name is a usage error (exit 2) that lists the known ones."""
    if not name:
        raise argparse.ArgumentTypeError("no environment given. Fix: name one, e.g. --env staging (make: ENV=staging)")
    if ENV_NAME.fullmatch(name) and (ENVIRONMENTS_DIR / f"{name}.yaml").is_file():
        return name
    known = ", ".join(sorted(p.stem for p in ENVIRONMENTS_DIR.glob("*.yaml"))) or "none"
    folder = ENVIRONMENTS_DIR.relative_to(REPO_ROOT).as_posix()
    raise argparse.ArgumentTypeError(
        f"unknown environment '{name[:63]}' (known: {known}). Fix: use one of them, or add {folder}/{name[:63]}.yaml"
    )
