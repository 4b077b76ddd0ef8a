"""Revisions of one environment, like `helm history`: the commits on the first-parent line of the branch
Flux watches (its merges of PRs) that changed dist/<env>/ or clusters/<env>/, listed newest first.

A revision's number is its position on that line, counted from the oldest. The first-parent line only
grows at its tip (a merge adds one commit there; the side branch's commits never join it), so a later
merge never renumbers an earlier revision, as `helm history` numbers never change.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from docrouter_tools.review.git import GitError, git, resolve

FIELD_SEPARATOR = "\x1f"
FLUX_BRANCH = "main"


AUTHOR_WIDTH = 20
# The trailers of an automatic rollback's commit (auto_rollback.record writes them, history reads them back).
TRAILER_OF, TRAILER_ENV, TRAILER_LAYER, TRAILER_REASON, TRAILER_PR = (
    "Auto-rollback-of",
    "Auto-rollback-env",
    "Auto-rollback-layer",
    "Auto-rollback-reason",
    "Auto-rollback-pr",
)


def fitted(text: str, width: int) -> str:
    """Exactly `width` characters: padded, or cut with an ellipsis, so every column lines up."""
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True)
class Revision:
    number: int
    commit: str
    date: str  # ISO 8601 with the author's UTC offset, e.g. 2026-05-02T10:14:00+02:00 (what -o json shows)
    author: str
    subject: str
    images: tuple[str, ...]
    # Set for an automatic rollback: "<revision number> <commit>" of what it undid (auto_rollback.py).
    auto_rollback_of: str = ""

    def described(self) -> str:
        return f"{self.subject}  (auto-rollback of {self.auto_rollback_of})" if self.auto_rollback_of else self.subject

    def line(self) -> str:
        images = ", ".join(self.images) or "-"
        when = self.date[:16].replace("T", " ")
        author = fitted(self.author, AUTHOR_WIDTH)
        return f"{self.number:>4}  {when}  {self.commit[:10]}  {author}  {self.described()}  [{images}]"


def env_paths(env: str) -> list[str]:
    return [f"dist/{env}", f"clusters/{env}"]


def images_at(repo: Path, commit: str, env: str) -> tuple[str, ...]:
    """Image references deployed by env at commit, as name:tag (registry path dropped)."""
    result = subprocess.run(
        ["git", "grep", "-h", "-I", "-E", r"^\s*-?\s*image:", commit, "--", *env_paths(env)],
        cwd=repo,
        capture_output=True,
        text=True,
        errors="replace",
    )
    images = set()
    for line in result.stdout.splitlines():
        reference = line.split("image:", 1)[1].strip().strip("'\"")
        images.add(reference.rsplit("/", 1)[-1])
    return tuple(sorted(images))


def watched_ref(repo: Path) -> str:
    """The branch Flux watches (`flux bootstrap --branch=main`, docs/bootstrap.md): local, else its remote
    copy, else HEAD (a checkout without it, e.g. a test repository on another branch)."""
    for ref in (FLUX_BRANCH, f"origin/{FLUX_BRANCH}"):
        if resolve(repo, ref):
            return ref
    return "HEAD"


def revisions(repo: Path, env: str, ref: str | None = None) -> list[Revision]:
    log = git(
        repo,
        "log",
        "--first-parent",  # merges compare with their first parent: a PR's merge is one revision
        "--reverse",
        f"--format=%H{FIELD_SEPARATOR}%ad{FIELD_SEPARATOR}%an{FIELD_SEPARATOR}%s",
        "--date=iso-strict",
        ref or watched_ref(repo),
        "--",
        *env_paths(env),
    )
    rows = [line.split(FIELD_SEPARATOR, 3) for line in log.splitlines() if line]
    found = [
        Revision(number, commit, date, author, subject, images_at(repo, commit, env))
        for number, (commit, date, author, subject) in enumerate(rows, start=1)
    ]
    return found[::-1]


HEADER = f"{'REV':>4}  {'DATE':<16}  {'COMMIT':<10}  {'AUTHOR':<{AUTHOR_WIDTH}}  SUBJECT  [IMAGES]"


def with_auto_rollbacks(repo: Path, found: list[Revision]) -> list[Revision]:
    """`make history`'s revisions, each auto-rollback marked with the revision it undid (one git call); here, not in
    auto_rollback.py, so `make history` never loads the environment model."""
    if not found:
        return found
    result = subprocess.run(
        ["git", "log", "--no-walk=unsorted", "--stdin", f"--format=%H %(trailers:key={TRAILER_OF},valueonly)"],
        cwd=repo,
        input="".join(f"{r.commit}\n" for r in found),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise GitError(f"git log of the revisions' trailers failed: {result.stderr.strip()[:300]}")
    undid = {words[0]: words[1] for words in map(str.split, result.stdout.splitlines()) if len(words) >= 2}
    numbers = {r.commit: r.number for r in found}
    return [
        replace(r, auto_rollback_of=f"revision {numbers.get(undid[r.commit], '?')} {undid[r.commit][:10]}")
        if r.commit in undid
        else r
        for r in found
    ]
