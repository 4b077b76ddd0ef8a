"""`-o/--output json|yaml|markdown|terminal` and `--out FILE`, the same for diff, validate and history
(kubectl and helm spell it `-o`)."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from docrouter.exit_codes import FINDINGS, OK
from docrouter.paths import REPO_ROOT

# Text from the repository (commit subjects, object and file names, values) must not move the cursor,
# retitle or clear the terminal, or reorder what a reviewer reads: C0 controls but tab and newline,
# DEL, C1 controls and Unicode bidirectional overrides become "?". Our own colours (render_terminal's
# SGR codes) are the one escape sequence kept.
_UNPRINTABLE = re.compile(
    r"\x1b(?!\[(?:0|1|2|31|32|33)m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
# Report files never replace what the repository is made of (--out of validate, diff, history).
PROTECTED_FOLDERS = (
    "dist",
    "clusters",
    "constructs",
    "tools",
    "environments",
    "secrets",
    ".git",
    "tests",
    "docs",
    ".github",
    ".ci",
)
PROTECTED_FILES = (".sops.yaml", "Makefile", "main.py", "pyproject.toml", "requirements.txt", "requirements.in")


def printable(text: str) -> str:
    return _UNPRINTABLE.sub("?", text)


class PrintableStream(io.TextIOBase):
    """A text stream that passes everything through printable(): stderr of every command (cli.py)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()


def report_target_problem(out: str) -> str | None:
    """Why --out must not be written, or None. The report is ours; the tree it reports on is not."""
    path = Path(out)
    if path.is_symlink():
        return "is a symbolic link (it could point anywhere, the repository's own files included)"
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        return "exists and is not a regular file"
    resolved = path.resolve()
    if resolved.is_relative_to(REPO_ROOT):
        relative = resolved.relative_to(REPO_ROOT)
        top = relative.parts[0] if relative.parts else ""
        if top in PROTECTED_FOLDERS or relative.as_posix() in PROTECTED_FILES:
            return f"is inside the repository's own {top or relative}/ (what the tools read and Flux applies)"
    return None


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
    text = printable(text if text.endswith("\n") else text + "\n")
    if out:
        problem = report_target_problem(out)
        if problem:
            print(
                f"{command} failed: --out {out} {problem}. Fix: write the report elsewhere, e.g. --out report.md.",
                file=sys.stderr,
            )
            return FINDINGS
    try:
        if out and out != "-":
            # O_NOFOLLOW: a link put there after the check above is refused too.
            descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
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
