"""`make rollback ENV=production TO=<revision|commit> [YES=1]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from docrouter.environment_files import add_env_argument
from docrouter.output import colour_enabled
from docrouter.paths import REPO_ROOT
from docrouter.synthesis.background import SynthFailed
from docrouter_tools.review.git import GitError
from docrouter_tools.review.manifests import ManifestError
from docrouter_tools.review.model import Report
from docrouter_tools.review.render_terminal import render_terminal
from docrouter_tools.review.rollback import RollbackRefused, rollback


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_env_argument(parser, repeatable=False, required=True)
    parser.add_argument("--to", required=True, help="revision number (make history) or commit")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--repo", default=str(REPO_ROOT), help=argparse.SUPPRESS)


def _confirm(env: str, assume_yes: bool) -> Callable[[Report], bool]:
    def confirm(report: Report) -> bool:
        sys.stdout.write(render_terminal(report, colour=colour_enabled()))
        if assume_yes:
            return True
        if not sys.stdin.isatty():
            print("not asking on a non-interactive input: run again with --yes (make rollback YES=1)", file=sys.stderr)
            return False
        return input(f"Roll back {env} as shown above? [y/N] ").strip().lower() in ("y", "yes")

    return confirm


def run(args: argparse.Namespace) -> int:
    try:
        commit = rollback(Path(args.repo), args.env, args.to, _confirm(args.env, args.yes))
    except (RollbackRefused, GitError, SynthFailed, ManifestError) as exc:
        print(f"rollback refused: {exc}", file=sys.stderr)
        return 1
    print(f"created {commit[:10]}: {args.env} rolled back. Push it (or open a PR) for Flux to apply it.")
    return 0
