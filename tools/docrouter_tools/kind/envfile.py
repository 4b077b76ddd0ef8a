"""Read .env.kind with python-dotenv: quotes, `export`, and `# comments` as Docker Compose reads them.

Values are taken literally (no ${VAR} interpolation: a `$` in a password stays a `$`).
Errors name the line number and, for KEY=VALUE lines, the key; never the line itself,
which may be a pasted credential.
"""

from __future__ import annotations

import re
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

KEY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class EnvFileError(Exception):
    """.env.kind is missing or malformed; the message says how to fix it."""


def read_env_file(path: Path, known_keys: set[str]) -> dict[str, str]:
    """Keys with non-empty values; an empty value means "not set"."""
    if not path.is_file():
        raise EnvFileError(
            f"{path} does not exist. Create it from the example and fill in your values:\n"
            f"  cp .env.kind.example .env.kind"
        )
    check_structure(path, known_keys)
    values = dotenv_values(path, interpolate=False, encoding="utf-8")
    return {key: value for key, value in values.items() if value}


def check_structure(path: Path, known_keys: set[str]) -> None:
    """Every line is a comment, blank, or KEY=VALUE with a known key set once (dotenv_values would
    silently skip a malformed line and keep the last of two values)."""
    seen: set[str] = set()
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            text = binding.original.string
            # dotenv's parser counts blank lines before a binding as part of it; skip them for the number.
            number = binding.original.line + text[: len(text) - len(text.lstrip())].count("\n")
            if binding.key is None and not binding.error:
                continue  # blank line or comment
            if binding.error or binding.value is None or not KEY_NAME.match(binding.key or ""):
                raise EnvFileError(f"{path}:{number}: expected KEY=VALUE (the line is not shown: it may hold a secret)")
            if binding.key not in known_keys:
                raise EnvFileError(
                    f"{path}:{number}: unknown key {binding.key}; the app reads only the keys in "
                    ".env.kind.example (see secrets/TEMPLATE.md)"
                )
            if binding.key in seen:
                raise EnvFileError(f"{path}:{number}: {binding.key} is set twice")
            seen.add(binding.key)
