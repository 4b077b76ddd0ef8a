"""Read .env.kind: KEY=VALUE lines, `#` comments, optional quotes, no interpolation."""

from __future__ import annotations

import re
from pathlib import Path

LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


class EnvFileError(Exception):
    """.env.kind is missing or malformed; the message says how to fix it."""


def read_env_file(path: Path, known_keys: set[str]) -> dict[str, str]:
    """Keys with non-empty values; an empty value means "not set"."""
    if not path.is_file():
        raise EnvFileError(
            f"{path} does not exist. Create it from the example and fill in your values:\n"
            f"  cp .env.kind.example .env.kind"
        )
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            raise EnvFileError(f"{path}:{number}: expected KEY=VALUE, got {line.split('=')[0]!r}")
        key, value = match.group(1), _unquote(match.group(2).strip())
        if key not in known_keys:
            raise EnvFileError(
                f"{path}:{number}: unknown key {key}; the app reads only the keys in .env.kind.example "
                "(see secrets/TEMPLATE.md)"
            )
        if key in values:
            raise EnvFileError(f"{path}:{number}: {key} is set twice")
        if value:
            values[key] = value
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
