"""`make history ENV=production`: one line per revision of an environment, newest first (like `helm history`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from docrouter.environment_files import add_env_argument
from docrouter.exit_codes import FINDINGS
from docrouter.output import add_output_arguments, emit, markdown_table, structured
from docrouter.paths import REPO_ROOT
from docrouter_tools.review.git import GitError
from docrouter_tools.review.history import HEADER, Revision, revisions, with_auto_rollbacks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_env_argument(parser, repeatable=False, required=True)
    add_output_arguments(parser)
    parser.add_argument("--max", type=positive, metavar="N", help="only the N newest revisions (like helm history)")
    parser.add_argument("--repo", default=str(REPO_ROOT), help=argparse.SUPPRESS)


def positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"'{value[:20]}' is not a number of revisions. Fix: use 1 or more, e.g. --max 10"
        )
    return int(value)


def render(found: list[Revision], fmt: str) -> str:
    if fmt in ("json", "yaml"):  # newest first, one object per revision, like `helm history -o json`
        return structured([{**asdict(r), "images": list(r.images)} for r in found], fmt)
    if fmt == "markdown":
        header = ("revision", "date", "commit", "author", "subject", "images")
        rows = [(r.number, r.date, r.commit[:10], r.author, r.described(), ", ".join(r.images) or "-") for r in found]
        return "\n".join(markdown_table(header, rows))
    return "\n".join([HEADER, *(r.line() for r in found)])


def run(args: argparse.Namespace) -> int:
    try:
        found = with_auto_rollbacks(Path(args.repo), revisions(Path(args.repo), args.env))
    except GitError as exc:
        print(f"history failed: {exc}", file=sys.stderr)
        return FINDINGS
    if not found:
        print(
            f"history: no revision changed dist/{args.env}/ yet. Fix: run `make synth` and commit dist/.",
            file=sys.stderr,
        )
        return FINDINGS
    return emit(render(found[: args.max] if args.max else found, args.output), args.out, "history")
