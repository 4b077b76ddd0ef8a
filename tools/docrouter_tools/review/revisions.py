"""Manifest trees of revisions: committed dist/ at a ref, or a fresh synth of
sources (the working tree, or a commit checked out in a temporary worktree)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from docrouter.synthesis.background import BackgroundSynth
from docrouter_tools.review.git import GitError, files_at, git, merge_base, resolve

ROOTS = ("dist", "clusters")
DEFAULT_UPSTREAM = "origin/main"


def default_base(repo: Path) -> str:
    """The merge-base with origin/main, or HEAD when there is no origin/main."""
    return merge_base(repo, "HEAD", DEFAULT_UPSTREAM) or "HEAD"


def committed_tree(repo: Path, ref: str) -> dict[str, bytes]:
    commit = resolve(repo, ref)
    if commit is None:
        raise GitError(f"unknown revision '{ref}'")
    return files_at(repo, commit, ROOTS)


@contextmanager
def worktree(repo: Path, ref: str) -> Iterator[Path]:
    """ref checked out in a temporary worktree, so a stale dist/ cannot lie about its sources."""
    commit = resolve(repo, ref)
    if commit is None:
        raise GitError(f"unknown revision '{ref}'")
    with tempfile.TemporaryDirectory(prefix="docrouter-rev-") as parent:
        checkout = Path(parent) / "checkout"
        git(repo, "worktree", "add", "--detach", "--quiet", str(checkout), commit)
        try:
            yield checkout
        finally:
            git(repo, "worktree", "remove", "--force", str(checkout))


def synthesized_trees_at(repo: Path, refs: tuple[str, ...]) -> list[dict[str, bytes]]:
    """Each ref synthesized from its own sources, all at once (one synth process per ref)."""
    with ExitStack() as stack:
        checkouts = [stack.enter_context(worktree(repo, ref)) for ref in refs]
        syntheses = [stack.enter_context(BackgroundSynth(checkout, foreign=True)) for checkout in checkouts]
        return [synth.tree() for synth in syntheses]
