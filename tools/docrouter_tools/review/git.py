"""Thin git helpers: run a command, resolve refs, read files of a commit."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(Exception):
    """A git command failed; the message carries git's own words."""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)[:200]} failed: {result.stderr.strip()[:500]}")
    return result.stdout


def resolve(repo: Path, ref: str) -> str | None:
    """Full commit id of ref, or None when it names no commit.

    ref is data, never an option: git refuses ref names that start with "-" (git check-ref-format),
    so such a value (`--output=/tmp/x`) is no revision rather than a flag for git.
    """
    if not ref or ref.startswith("-"):
        return None
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
    except GitError:
        return None


def merge_base(repo: Path, first: str, second: str) -> str | None:
    if first.startswith("-") or second.startswith("-"):
        return None
    try:
        return git(repo, "merge-base", first, second).strip() or None
    except GitError:
        return None


def dirty_paths(repo: Path) -> list[str]:
    return [line[3:] for line in git(repo, "status", "--porcelain").splitlines() if line.strip()]


def path_exists(repo: Path, commit: str, path: str) -> bool:
    return subprocess.run(["git", "cat-file", "-e", f"{commit}:{path}"], cwd=repo, capture_output=True).returncode == 0


def files_at(repo: Path, commit: str, roots: tuple[str, ...]) -> dict[str, bytes]:
    """Path → bytes of every YAML file under roots at commit, read in one `git cat-file --batch`.

    Only regular blobs: a symbolic link (mode 120000) or a submodule is never resolved.
    """
    listing = git(repo, "ls-tree", "-r", "--format=%(objectmode) %(objectname) %(path)", commit, "--", *roots)
    entries = [
        line.split(" ", 2)[1:]
        for line in listing.splitlines()
        if line.startswith("100") and line.endswith((".yaml", ".yml"))
    ]
    if not entries:
        return {}
    batch = "".join(f"{oid}\n" for oid, _ in entries).encode()
    output = subprocess.run(
        ["git", "cat-file", "--batch"], cwd=repo, input=batch, capture_output=True, check=True
    ).stdout
    files, position = {}, 0
    for _, path in entries:
        header_end = output.index(b"\n", position)
        size = int(output[position:header_end].split()[2])
        files[path] = output[header_end + 1 : header_end + 1 + size]
        position = header_end + 1 + size + 1
    return files
