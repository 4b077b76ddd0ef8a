"""`make history ENV=production`: one line per revision of an environment, newest first."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..paths import REPO_ROOT
from .git import GitError
from .history import HEADER, revisions


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help="environment, e.g. production")
    parser.add_argument("--repo", default=str(REPO_ROOT), help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    try:
        found = revisions(Path(args.repo), args.env)
    except GitError as exc:
        print(f"history failed: {exc}", file=sys.stderr)
        return 1
    if not found:
        print(f"no revision changed dist/{args.env}/: is '{args.env}' an environment?", file=sys.stderr)
        return 1
    print(HEADER)
    for revision in found:
        print(revision.line())
    return 0
