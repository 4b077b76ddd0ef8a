"""`-o/--output json|yaml|markdown|terminal` and `--out FILE`, the same for diff, validate and history
(kubectl and helm spell it `-o`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from docrouter.exit_codes import FINDINGS, OK

FORMATS = ("terminal", "markdown", "json", "yaml")


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        choices=FORMATS,
        default="terminal",
        metavar="FORMAT",
        help=f"report format: {', '.join(FORMATS)} (default: terminal)",
    )
    parser.add_argument("--out", metavar="FILE", help="write the report to FILE instead of standard output")


def structured(data: object, fmt: str) -> str:
    """json or yaml of the same document (anything JSON cannot hold becomes its text in both)."""
    text = json.dumps(data, indent=2, default=str) + "\n"
    if fmt == "json":
        return text
    from docrouter.safe_yaml import safe_dump

    return safe_dump(json.loads(text), sort_keys=False, allow_unicode=True)


def markdown_table(header: tuple[str, ...], rows: Sequence[tuple[object, ...]]) -> list[str]:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    return [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}", *(f"| {' | '.join(map(cell, r))} |" for r in rows)]


def emit(text: str, out: str | None, command: str) -> int:
    """Write the report to --out or stdout; an unwritable file is one line, not a traceback."""
    text = text if text.endswith("\n") else text + "\n"
    try:
        if out:
            Path(out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    except OSError as exc:
        print(
            f"{command} failed: cannot write {out or 'the report'}: {exc.strerror}. Fix: choose a writable --out path.",
            file=sys.stderr,
        )
        return FINDINGS
    return OK
