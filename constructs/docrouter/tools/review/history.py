"""Revisions of one environment, like `helm history`: every commit that changed
dist/<env>/ (or clusters/<env>/), numbered from the oldest (1) and listed newest first."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from docrouter.tools.review.git import git

FIELD_SEPARATOR = "\x1f"


AUTHOR_WIDTH = 20


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

    def line(self) -> str:
        images = ", ".join(self.images) or "-"
        when = self.date[:16].replace("T", " ")
        author = fitted(self.author, AUTHOR_WIDTH)
        return f"{self.number:>4}  {when}  {self.commit[:10]}  {author}  {self.subject}  [{images}]"


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
        "--date=iso-strict",
        "--",
        *env_paths(env),
    )
    rows = [line.split(FIELD_SEPARATOR, 3) for line in log.splitlines() if line]
    total = len(rows)
    return [
        Revision(total - index, commit, date, author, subject, images_at(repo, commit, env))
        for index, (commit, date, author, subject) in enumerate(rows)
    ]


HEADER = f"{'REV':>4}  {'DATE':<16}  {'COMMIT':<10}  {'AUTHOR':<{AUTHOR_WIDTH}}  SUBJECT  [IMAGES]"
