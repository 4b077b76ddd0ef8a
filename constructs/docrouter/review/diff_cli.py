"""`make diff` / `python main.py diff`: per-object diff of two revisions with risk flags."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..paths import REPO_ROOT
from .core import diff_manifests
from .git import GitError
from .manifests import ManifestError
from .model import Report
from .render_json import render_json
from .render_markdown import render_markdown
from .render_terminal import render_terminal
from .revisions import SynthFailed, committed_tree, default_base, synthesized_tree, synthesized_tree_at

# Exit codes the PR workflow relies on: 0 no risk (or risks without --fail-on-risk), 1 error, 2 risk flags.
OK_EXIT, ERROR_EXIT, RISK_EXIT = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", help="base revision (default: merge-base with origin/main, else HEAD)")
    parser.add_argument("--head", help="head revision (default: a fresh synth of the working tree)")
    parser.add_argument("--format", choices=("terminal", "markdown", "json"), default="terminal")
    parser.add_argument("--output", help="write the report to this file instead of stdout")
    parser.add_argument("--fail-on-risk", action="store_true", help=f"exit {RISK_EXIT} when any risk flag is present")
    parser.add_argument("--repo", default=str(REPO_ROOT), help=argparse.SUPPRESS)

    def usage_error(message: str) -> None:  # argparse would exit 2, which means "risk flags" here
        parser.print_usage(sys.stderr)
        print(f"diff failed: {message}", file=sys.stderr)
        raise SystemExit(ERROR_EXIT)

    parser.error = usage_error


def build_report(repo: Path, base: str | None, head: str | None) -> Report:
    """With --head both revisions are synthesized from their own sources; otherwise the
    committed dist/ at base is compared with a fresh synth of the working tree."""
    base = base or default_base(repo)
    if head:
        return diff_manifests(synthesized_tree_at(repo, base), synthesized_tree_at(repo, head), base, head)
    return diff_manifests(committed_tree(repo, base), synthesized_tree(repo), base, "working tree")


def render(report: Report, fmt: str, colour: bool) -> str:
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "json":
        return render_json(report)
    return render_terminal(report, colour=colour)


def run(args: argparse.Namespace) -> int:
    try:
        report = build_report(Path(args.repo), args.base, args.head)
    except (GitError, SynthFailed, ManifestError) as exc:
        print(f"diff failed: {exc}", file=sys.stderr)
        return ERROR_EXIT
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
        # A damaged manifest of an unexpected shape: one line naming the problem, never a traceback.
        print(f"diff failed: a manifest has an unexpected shape ({type(exc).__name__}: {str(exc)[:200]}). "
              "Fix: run `make validate` to find it, then restore it with `make synth`.", file=sys.stderr)
        return ERROR_EXIT
    colour = not args.output and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    text = render(report, args.format, colour)
    try:
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    except OSError as exc:
        print(f"diff failed: cannot write {args.output or 'the report'}: {exc.strerror}. Fix: choose a writable "
              "--output path.", file=sys.stderr)
        return ERROR_EXIT
    return RISK_EXIT if args.fail_on_risk and report.risks else OK_EXIT
