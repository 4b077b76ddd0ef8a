"""`-o/--output json|yaml|markdown|terminal` and `--out FILE`, the same for diff, validate and history
(kubectl and helm spell it `-o`)."""

from __future__ import annotations

import argparse
import json
import os
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
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="write the report to FILE (default, or -: standard output; synth's is a folder)",
    )


def colour_enabled(stream: object = None) -> bool:
    """Colour only on a terminal that can show it: never with NO_COLOR set (no-color.org) or TERM=dumb."""
    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


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
        if out and out != "-":
            Path(out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:
        raise  # `| head` closed the pipe: docrouter.cli exits quietly
    except OSError as exc:
        print(
            f"{command} failed: cannot write {out or 'the report'}: {exc.strerror}. Fix: choose a writable --out path.",
            file=sys.stderr,
        )
        return FINDINGS
    return OK
