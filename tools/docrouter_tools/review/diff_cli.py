"""`make diff` / `python main.py diff`: per-object diff of two revisions with risk flags."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from docrouter.environment_files import add_env_argument
from docrouter.exit_codes import FINDINGS, OK, RISK
from docrouter.output import add_output_arguments, colour_enabled, emit, structured
from docrouter.paths import REPO_ROOT
from docrouter.progress import Progress
from docrouter.synthesis.background import BackgroundSynth, SynthFailed
from docrouter_tools.review.git import GitError, resolve
from docrouter_tools.review.hand_edits import add_flags, differing_files, hand_edit_flags
from docrouter_tools.review.manifests import ManifestError
from docrouter_tools.review.model import Report
from docrouter_tools.review.render_json import render_json, report_dict
from docrouter_tools.review.render_markdown import render_markdown
from docrouter_tools.review.render_terminal import render_terminal
from docrouter_tools.review.revisions import committed_tree, default_base, synthesized_trees_at


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_env_argument(parser, repeatable=True)
    parser.add_argument("--base", help="base revision (default: merge-base with origin/main, else HEAD)")
    parser.add_argument("--head", help="head revision (default: a fresh synth of the working tree)")
    add_output_arguments(parser)
    parser.add_argument("--fail-on-risk", action="store_true", help=f"exit {RISK} when any risk flag is present")
    parser.add_argument("--repo", default=str(REPO_ROOT), help=argparse.SUPPRESS)


def build_report(repo: Path, base: str | None, head: str | None, envs: Sequence[str] = ()) -> Report:
    """With --head: the committed dist/ and clusters/ of both revisions (what Flux applies), with a
    hand-edit flag for a revision whose committed tree is not a synth of its own sources. Otherwise the
    committed dist/ at base is compared with a fresh synth of the working tree. With envs, only those
    environments' dist/<env>/ and clusters/<env>/."""
    if head:
        base = base or default_base(repo)
        old, new = only(committed_tree(repo, base), envs), only(committed_tree(repo, head), envs)
        fresh_old, fresh_new = (only(tree, envs) for tree in synthesized_trees_at(repo, (base, head)))
        report = _diff(old, new, base, head)
        flags = hand_edit_flags(head, new, fresh_new)
        if resolve(repo, base) != resolve(repo, head):
            flags += hand_edit_flags(base, old, fresh_old)
        add_flags(report, flags)
        if differing_files(new, fresh_new):
            report.sources = _diff(old, fresh_new, base, f"a synth of {head}'s sources")
        return report
    with BackgroundSynth(repo, envs) as synth:  # runs while the base revision is read and the diff engine loads
        base = base or default_base(repo)
        old = committed_tree(repo, base)
        return _diff(only(old, envs), only(synth.tree(), envs), base, "working tree")


def only(tree: dict[str, bytes], envs: Sequence[str]) -> dict[str, bytes]:
    """The files of those environments (every file when envs is empty)."""
    return {path: data for path, data in tree.items() if not envs or (path.split("/") + [""])[1] in envs}


def _diff(old: dict[str, bytes], new: dict[str, bytes], base: str, head: str) -> Report:
    from docrouter_tools.review.core import diff_manifests  # the diff engine: imported while synth runs

    return diff_manifests(old, new, base, head)


def render(report: Report, fmt: str, colour: bool) -> str:
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "yaml":
        return structured(report_dict(report), fmt)
    return render_terminal(report, colour=colour)


def run(args: argparse.Namespace) -> int:
    try:
        with Progress("diff: synthesizing and comparing"):
            report = build_report(Path(args.repo), args.base, args.head, args.env or ())
    except (GitError, SynthFailed, ManifestError) as exc:
        print(f"diff failed: {exc}", file=sys.stderr)
        return FINDINGS
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
        # A damaged manifest of an unexpected shape: one line naming the problem, never a traceback.
        print(
            f"diff failed: a manifest has an unexpected shape ({type(exc).__name__}: {str(exc)[:200]}). "
            "Fix: run `make validate` to find it, then restore it with `make synth`.",
            file=sys.stderr,
        )
        return FINDINGS
    colour = args.out in (None, "-") and colour_enabled()
    written = emit(render(report, args.output, colour), args.out, "diff")
    if written != OK:
        return written
    return RISK if args.fail_on_risk and report.risks else OK
