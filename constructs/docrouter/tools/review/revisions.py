"""Manifest trees of revisions: committed dist/ at a ref, or a fresh synth of
sources (the working tree, or a commit checked out in a temporary worktree)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from docrouter.tools.review.git import GitError, files_at, git, merge_base, resolve
from docrouter.tools.review.manifests import read_folder

ROOTS = ("dist", "clusters")
DEFAULT_UPSTREAM = "origin/main"
MAX_SYNTH_OUTPUT = 2000


class SynthFailed(Exception):
    """Synthesizing a revision failed; the message holds synth's output."""


def default_base(repo: Path) -> str:
    """The merge-base with origin/main, or HEAD when there is no origin/main."""
    return merge_base(repo, "HEAD", DEFAULT_UPSTREAM) or "HEAD"


def committed_tree(repo: Path, ref: str) -> dict[str, bytes]:
    commit = resolve(repo, ref)
    if commit is None:
        raise GitError(f"unknown revision '{ref}'")
    return files_at(repo, commit, ROOTS)


def synth_into(checkout: Path, out: Path, env: str | None = None) -> None:
    command = [sys.executable, "main.py", "synth", "--out", str(out / "dist"), "--clusters-out", str(out / "clusters")]
    command += ["--env", env] if env else []
    result = subprocess.run(command, cwd=checkout, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        # synth's own message is a few lines; keep only the end of anything longer (never flood the terminal).
        output = f"{result.stdout}{result.stderr}".strip()
        output = output if len(output) <= MAX_SYNTH_OUTPUT else "…" + output[-MAX_SYNTH_OUTPUT:]
        raise SynthFailed(f"synth in {checkout} failed:\n{output}")


def synthesized_tree(checkout: Path) -> dict[str, bytes]:
    """A fresh synth of checkout's sources: dist/ and clusters/ both."""
    with tempfile.TemporaryDirectory(prefix="docrouter-synth-") as out:
        synth_into(checkout, Path(out))
        return read_folder(Path(out) / "dist", "dist") | read_folder(Path(out) / "clusters", "clusters")


def synthesized_tree_at(repo: Path, ref: str) -> dict[str, bytes]:
    """Synthesize ref from its own sources in a temporary worktree, so a stale dist/ cannot lie."""
    commit = resolve(repo, ref)
    if commit is None:
        raise GitError(f"unknown revision '{ref}'")
    with tempfile.TemporaryDirectory(prefix="docrouter-rev-") as parent:
        checkout = Path(parent) / "checkout"
        git(repo, "worktree", "add", "--detach", "--quiet", str(checkout), commit)
        try:
            return synthesized_tree(checkout)
        finally:
            git(repo, "worktree", "remove", "--force", str(checkout))
