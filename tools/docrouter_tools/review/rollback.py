"""Restore one environment to an earlier revision as a new commit, like `helm rollback`.

What is restored: dist/<env>/, clusters/<env>/ (if present) and the environment's own
sources (paths.environment_sources: environments/<env>.yaml and its SOPS secrets under
secrets/<env>/). Shared construct code is NOT reverted. Before committing, <env> is
synthesized from the restored sources and compared with the restored dist/<env>/: if
they differ, shared code changed since that revision, the drift check would fail, and
the rollback is refused (with the commits to revert), leaving the working tree as it was.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docrouter.paths import ENVIRONMENTS_DIR, REPO_ROOT, environment_sources
from docrouter.synthesis.background import BackgroundSynth, SynthFailed
from docrouter_tools.review.core import diff_manifests
from docrouter_tools.review.git import dirty_paths, files_at, git, path_exists, resolve
from docrouter_tools.review.history import env_paths, revisions
from docrouter_tools.review.manifests import read_folder
from docrouter_tools.review.model import Report


class RollbackRefused(Exception):
    """The rollback cannot be done safely; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    commit: str
    number: int | None
    subject: str

    def label(self) -> str:
        revision = f"revision {self.number} " if self.number else ""
        return f'{revision}({self.commit[:10]} "{self.subject}")'


def resolve_target(repo: Path, env: str, to: str) -> Target:
    known = revisions(repo, env)
    by_number = {str(r.number): r for r in known}
    commit = by_number[to].commit if to in by_number else resolve(repo, to)
    if commit is None:
        raise RollbackRefused(
            f"unknown revision '{to}': give a revision number from `make history ENV={env}` or a commit."
        )
    if not path_exists(repo, commit, f"dist/{env}"):
        raise RollbackRefused(
            f"environment '{env}' did not exist at {commit[:10]} (no dist/{env}/ there); "
            f"pick a revision listed by `make history ENV={env}`."
        )
    number = next((r.number for r in known if r.commit == commit), None)
    subject = git(repo, "log", "-1", "--format=%s", commit).strip()
    return Target(commit, number, subject)


def env_sources(repo: Path, commit: str, env: str) -> list[str]:
    """The environment's own source files at commit and at HEAD (added, kept or deleted since)."""
    config, secrets = environment_sources(env)
    listed = git(repo, "ls-tree", "-r", "--name-only", commit, "--", secrets)
    listed += git(repo, "ls-tree", "-r", "--name-only", "HEAD", "--", secrets)
    return sorted(set(listed.splitlines()) | {config})


def env_tree(repo: Path, commit: str, env: str) -> dict[str, bytes]:
    return files_at(repo, commit, tuple(env_paths(env)))


def rollback_report(repo: Path, env: str, target: Target) -> Report:
    return diff_manifests(env_tree(repo, "HEAD", env), env_tree(repo, target.commit, env), "HEAD", target.label())


def restore(repo: Path, commit: str, env: str) -> None:
    paths = env_paths(env) + env_sources(repo, commit, env)
    git(repo, "rm", "-r", "-q", "--ignore-unmatch", "--", *paths)
    present = [p for p in paths if path_exists(repo, commit, p)]
    git(repo, "checkout", commit, "--", *present)


def synth_mismatches(repo: Path, commit: str, env: str) -> list[str]:
    """Files where a synth of the restored sources differs from dist/<env>/ at commit."""
    with BackgroundSynth(repo, (env,)) as synth:
        synth.wait()
        fresh = read_folder(synth.out / "dist" / env, f"dist/{env}")
        fresh |= read_folder(synth.out / "clusters" / env, f"clusters/{env}")
    old = files_at(repo, commit, (f"dist/{env}", f"clusters/{env}"))
    # clusters/<env>/flux-system/ is written by `flux bootstrap`, not by synth.
    old = {p: text for p, text in old.items() if not p.startswith(f"clusters/{env}/flux-system/")}
    return sorted(p for p in fresh.keys() | old.keys() if fresh.get(p) != old.get(p))


def shared_code_commits(repo: Path, commit: str) -> list[str]:
    log = git(
        repo,
        "log",
        "--format=%h %s",
        f"{commit}..HEAD",
        "--",
        "constructs",
        "main.py",
        f":(exclude){ENVIRONMENTS_DIR.relative_to(REPO_ROOT).as_posix()}",
    )
    return log.splitlines()


def _refuse_code_drift(repo: Path, target: Target, env: str, mismatches: list[str]) -> RollbackRefused:
    commits = [line if len(line) <= 70 else line[:69] + "…" for line in shared_code_commits(repo, target.commit)]
    shown = "; ".join(commits[:3]) + (f"; {len(commits) - 3} more" if len(commits) > 3 else "") or "none found"
    files = ", ".join(mismatches[:3]) + (f" and {len(mismatches) - 3} more" if len(mismatches) > 3 else "")
    return RollbackRefused(
        f"shared construct code changed since {target.label()}: today's code renders {env}'s old config "
        f"differently ({files}), so CI's drift check would fail. Revert the code commits since then first "
        f"(git revert; they are: {shown}) and roll back again, or pick a later revision from "
        f"`make history ENV={env}`."
    )


def _synth_refusal(repo: Path, target: Target, env: str, exc: SynthFailed) -> RollbackRefused:
    """Today's synth refuses the restored sources: one line with the reason (no temporary or absolute paths,
    no "Fix:" meant for a fresh edit — new credentials would be wrong for a rollback) and advice that fits."""
    lines = [line.strip() for line in str(exc).splitlines()[1:] if line.strip()]
    reason = next(
        (line for line in lines if line.startswith(("synth failed:", "environment '"))), lines[0] if lines else ""
    )
    reason = reason.removeprefix("synth failed: ").split(" Fix:")[0]
    reason = re.sub(rf"{re.escape(str(repo))}/?|{re.escape(tempfile.gettempdir())}/\S*", "", reason).rstrip(".")
    reason = reason if len(reason) <= 300 else reason[:299] + "…"
    return RollbackRefused(
        f"{target.label()} cannot be rebuilt by today's code, which refuses its sources ({reason}): a rollback "
        f"restores only {env}'s own files, not the code or .sops.yaml they were written for. Pick a later revision "
        f"from `make history ENV={env}`, or revert the change that refuses them (git revert) and roll back again."
    )


def rollback(repo: Path, env: str, to: str, confirm: Callable[[Report], bool]) -> str:
    """Create the rollback commit and return its id; RollbackRefused says why not."""
    dirty = dirty_paths(repo)
    if dirty:
        raise RollbackRefused(
            "the working tree has uncommitted changes (" + ", ".join(dirty[:5]) + "); commit or stash them first."
        )
    target = resolve_target(repo, env, to)
    report = rollback_report(repo, env, target)
    if (
        not any(e.changes for e in report.envs)
        and not git(repo, "diff", "--stat", "HEAD", target.commit, "--", *env_sources(repo, target.commit, env)).strip()
    ):
        raise RollbackRefused(f"{env} is already at {target.label()}: nothing to roll back.")
    try:
        restore(repo, target.commit, env)  # inside: an interrupt while restoring also resets
        try:
            mismatches = synth_mismatches(repo, target.commit, env)
        except SynthFailed as exc:
            raise _synth_refusal(repo, target, env, exc) from None
        if mismatches:
            raise _refuse_code_drift(repo, target, env, mismatches)
        if not confirm(report):
            raise RollbackRefused("rollback cancelled; nothing was changed.")
        git(
            repo,
            "commit",
            "-q",
            "-m",
            f"Roll back {env} to {target.label()}",
            "-m",
            f"Restores dist/{env}/ and {env}'s own sources as of {target.commit}, created by `make rollback`; "
            "shared construct code is unchanged.",
        )
    except BaseException:
        git(repo, "reset", "-q", "--hard", "HEAD")
        raise
    return git(repo, "rev-parse", "HEAD").strip()
