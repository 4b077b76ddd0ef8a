"""docs/bootstrap.md "Bootstrapping a real cluster", steps 1-4, in a throwaway copy of the repository as a fork
would run them: age key → .sops.yaml → make secrets-init → make synth → make validate → commit,
then the real sops decrypts what Flux would get. Everything but the cluster commands."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SYNTH_SOURCES, copy_sources
from docrouter import constants as c
from docrouter.config import load_environment
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.agekeys import generate_identity, key_file_text
from docrouter_tools.secrets.init import secrets_of

ENV = "staging"
PLACEHOLDER = "REPLACE_WITH_STAGING_AGE_PUBLIC_KEY"


def bootstrap_steps() -> str:
    """The numbered steps of the bootstrap runbook (docs/bootstrap.md)."""
    text = (REPO / "docs" / "bootstrap.md").read_text()
    section = text[text.index("# Bootstrapping a real cluster") : text.index("## When a health check is stuck")]
    return section[section.index("\n1. ") :]


def test_readme_puts_the_secrets_before_flux_bootstrap():
    section = bootstrap_steps()
    order = [
        "age-keygen -o staging.agekey",
        PLACEHOLDER,
        "make secrets-init ENV=staging",
        "make synth",
        "make validate",
        "Commit",
        "sops-age",
        "flux bootstrap",
    ]
    positions = [section.index(step) for step in order]
    assert positions == sorted(positions), dict(zip(order, positions, strict=True))
    assert "--from-literal" not in section  # the Slack webhook is read from stdin, not the command line


def make(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-C", str(root), *args], capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})}
    )


def git(root: Path, *args: str) -> str:
    identity = ["-c", "user.name=Fork", "-c", "user.email=fork@example.com"]
    return subprocess.run(["git", "-C", str(root), *identity, *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def fork(tmp_path) -> Path:
    """A fresh clone: the committed sources, Makefile and .gitignore, sharing this checkout's virtualenv."""
    root = copy_sources(tmp_path / "fork", SYNTH_SOURCES + ("Makefile", ".gitignore"))
    (root / ".venv").symlink_to(REPO / ".venv")
    # make must find the shared virtualenv up to date, or it would re-install it pointing at the copy.
    # Its stamp is named after the requirements' content; only a newer mtime of the copies could
    # make it look stale, so date them back (a changed content still shows in the dry run below).
    for name in ("requirements.txt", "pyproject.toml"):
        os.utime(root / name, (0, 0))
    dry_run = make(root, "-n", "synth")
    assert "pip install" not in dry_run.stdout, dry_run.stdout
    git(root, "init", "--quiet")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "fresh clone")
    return root


def test_a_fork_bootstraps_an_environment_end_to_end(fork):
    assert not (fork / "secrets" / ENV).exists()  # nothing committed that only someone else could decrypt

    # 1. age key (what `age-keygen -o staging.agekey` writes)
    identity, recipient = generate_identity()
    (fork / "staging.agekey").write_text(key_file_text(identity, recipient))
    # 2. the public key replaces the placeholder in .sops.yaml
    config = (fork / ".sops.yaml").read_text()
    assert config.count(PLACEHOLDER) == 1
    (fork / ".sops.yaml").write_text(config.replace(PLACEHOLDER, recipient))
    # 3. make secrets-init
    result = make(fork, "secrets-init", f"ENV={ENV}")
    assert result.returncode == 0, result.stdout + result.stderr
    # 4. make synth, make validate, commit
    result = make(fork, "synth")
    assert result.returncode == 0, result.stdout + result.stderr
    result = make(fork, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(rf"(ERROR|WARNING) +sops/\S+ .*secrets/{ENV}/", result.stdout), result.stdout
    git(fork, "add", "-A")
    git(fork, "commit", "--quiet", "-m", "staging secrets")
    committed = git(fork, "ls-files").split()
    assert "staging.agekey" not in committed  # *.agekey is ignored: the private key stays out of git
    assert git(fork, "status", "--porcelain") == ""

    # What Flux will decrypt: the committed dist/ files, with the environment's key.
    shipped = sorted((fork / "dist" / ENV).rglob("*.sops.yaml"))
    names = secrets_of(load_environment(ENV))  # every Secret the environment reads (catalog.py)
    assert {p.name for p in shipped} == {f"secret-{name}.sops.yaml" for name in names}
    with_key = {**os.environ, "SOPS_AGE_KEY_FILE": str(fork / "staging.agekey")}
    for path in shipped:
        assert path.relative_to(fork).as_posix() in committed
        plain = yaml.safe_load(sops.decrypt(path, env=with_key))
        assert plain["kind"] == "Secret" and all(isinstance(v, str) and v for v in plain["stringData"].values())
        source = fork / "secrets" / ENV / path.parent.name / path.name.removeprefix("secret-")
        assert path.read_bytes() == source.read_bytes()  # copied byte for byte


def test_validate_blocks_once_recipients_are_real_but_secrets_are_missing(fork):
    identity, recipient = generate_identity()
    (fork / ".sops.yaml").write_text((fork / ".sops.yaml").read_text().replace(PLACEHOLDER, recipient))
    result = make(fork, "validate")
    assert result.returncode != 0
    assert f"environment {ENV} has no {c.APP_SECRET_NAME}" in result.stdout
    assert f"Fix: run `make secrets-init ENV={ENV}`" in result.stdout
