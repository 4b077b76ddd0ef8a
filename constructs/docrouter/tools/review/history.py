"""Revisions of one environment, like `helm history`: every commit that changed
dist/<env>/ (or clusters/<env>/), numbered from the oldest (1) and listed newest first."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from docrouter.tools.review.git import git

FIELD_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Revision:
    number: int
    commit: str
    date: str
    author: str
    subject: str
    images: tuple[str, ...]
    # Set for an automatic rollback: "<revision number> <commit>" of what it undid (auto_rollback.py).
    auto_rollback_of: str = ""

    def described(self) -> str:
        return f"{self.subject}  (auto-rollback of {self.auto_rollback_of})" if self.auto_rollback_of else self.subject

    def line(self) -> str:
        images = ", ".join(self.images) or "-"
        return f"{self.number:>4}  {self.date}  {self.commit[:10]}  {self.author:<20}  {self.described()}  [{images}]"


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


def revisions(repo: Path, env: str) -> list[Revision]:
    log = git(
        repo,
        "log",
        f"--format=%H{FIELD_SEPARATOR}%ad{FIELD_SEPARATOR}%an{FIELD_SEPARATOR}%s",
        "--date=format:%Y-%m-%d %H:%M",
        "--",
        *env_paths(env),
    )
    rows = [line.split(FIELD_SEPARATOR, 3) for line in log.splitlines() if line]
    total = len(rows)
    return [
        Revision(total - index, commit, date, author, subject, images_at(repo, commit, env))
        for index, (commit, date, author, subject) in enumerate(rows)
    ]


HEADER = f"{'REV':>4}  {'DATE':<16}  {'COMMIT':<10}  {'AUTHOR':<20}  SUBJECT  [IMAGES]"
