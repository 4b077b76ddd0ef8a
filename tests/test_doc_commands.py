"""Every command in a fenced shell block of README.md and docs/*.md either runs offline, exactly as
written, in a throwaway copy of the repository (and succeeds), or is classified with the reason it
cannot run here (Docker, internet, keys, placeholders). A new command nobody classified fails the test."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
PROGRAMS = (
    "make",
    ".venv/bin/docrouter",
    "cp",
    "open",
    "age-keygen",
    "kubectl",
    "export",
    "git",
    "flux",
    "sops",
    "docker",
)

# (why it does not run here, pattern of the command line). Anything not listed here runs offline.
NOT_HERE = [
    ("needs Docker, kind, kubectl and flux (make e2e runs the Kind loop)", r"make kind-\w+|open http://localhost"),
    ("needs Docker and your doc-router checkout", r"docker (build|push) .*"),
    ("needs a cluster", r"kubectl .*"),
    ("needs the age tool and creates a real key", r"age-keygen .*"),
    ("needs sops and the environment's age key", r"make secrets-(init|edit) .*|export SOPS_AGE_KEY_FILE=.*"),
    ("is this test suite (make test runs it)", r"make test( CRDS=\S+)?"),
    ("needs internet: tests/test_fetch_crds.py runs it against a stub curl", r"make crds( CRDS=\S+)?"),
    ("is run by CI itself (.ci/run: make lint, make checkov), each with its own pinned tools", r"make (lint|checkov)"),
    (
        "example revisions (placeholders): tests/test_review_git.py runs diff between real ones",
        r"make diff (BASE|HEAD)=\S+( HEAD=\S+)?",
    ),
    (
        "rewrites git history of a revision that is a placeholder here: tests/test_review_git.py rolls back",
        r"make rollback .*",
    ),
]


def shell_commands() -> list[tuple[str, str]]:
    """(document, command) for every command line: tagged shell blocks, and untagged blocks whose lines
    start with a program (the other lines of those are the output the docs show)."""
    found = []
    for doc in DOCS:
        for language, body in re.findall(r"^```([\w-]*)\n(.*?)^```", doc.read_text(encoding="utf-8"), re.M | re.S):
            if language and language not in SHELL_LANGUAGES:
                continue
            for line in re.sub(r"\\\n\s*", " ", body).splitlines():
                command = re.sub(r"\s+#.*$", "", line).strip()
                if not command:
                    continue
                if command.split()[0] in PROGRAMS:
                    found.append((doc.relative_to(REPO).as_posix(), command))
                elif language:
                    found.append((doc.relative_to(REPO).as_posix(), command))  # classified or run: never dropped
    return found


COMMANDS = shell_commands()


def reason_not_run(command: str) -> str | None:
    return next((why for why, pattern in NOT_HERE if re.fullmatch(pattern, command)), None)


def test_the_scan_finds_the_documented_commands():
    commands = {command for _, command in COMMANDS}
    assert {"make synth", "make validate", "make history ENV=production", "make kind-up"} <= commands
    assert len(COMMANDS) >= 25


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A committed copy of the repository (the venv shared), as a clone with `make venv` done is."""
    root = tmp_path_factory.mktemp("docs") / "repo"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True)
    for name in filter(None, tracked.stdout.split("\0")):  # every tracked file, as a clone has them
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    (root / ".venv").symlink_to(REPO / ".venv")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    (root / ".git/info/exclude").write_text(".venv\n")  # a symlink here, which `.venv/` does not match
    git = ["git", "-c", "user.name=Docs Test", "-c", "user.email=docs@example.com"]
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "docs test"], cwd=root, check=True)
    return root


@pytest.mark.parametrize(("doc", "command"), COMMANDS, ids=[f"{d}: {c}" for d, c in COMMANDS])
def test_every_documented_command_runs_offline_or_says_why_not(checkout, doc, command):
    if reason_not_run(command):
        pytest.skip(f"{doc}: `{command}` {reason_not_run(command)}")
    assert command.split()[0] in PROGRAMS, f"{doc}: `{command}` is not a command: classify it in NOT_HERE"
    # The copy's own code, also for .venv/bin/docrouter (an editable install points at this checkout).
    env = {**os.environ, "PYTHONPATH": str(checkout / "constructs")}
    env = {k: v for k, v in env.items() if not k.startswith(("MAKE", "MFLAGS"))}  # not the outer make's
    result = subprocess.run(["bash", "-c", command], cwd=checkout, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, f"{doc}: `{command}` exited {result.returncode}:\n{result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr
    # Whatever it wrote (diff.md, report.json, diff.status, .env.kind) never blocks `make rollback`.
    status = subprocess.run(["git", "status", "--porcelain"], cwd=checkout, capture_output=True, text=True)
    assert status.stdout == "", f"{doc}: `{command}` left uncommitted changes: {status.stdout}"
