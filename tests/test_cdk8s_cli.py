"""`cdk8s synth` with the real cdk8s CLI (npm), in a fresh git clone of the sources.

The CLI deletes its output folder (dist/) before it runs cdk8s.yaml's `app`; these tests pin
what main.py does about that: same bytes as `make synth` on success, an honest message and a
restore command on failure, and a shrink guard that counts the committed dist/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SYNTH_SOURCES, copy_sources
from docrouter.synthesis.checks import SynthError
from docrouter.synthesis.synth import check_shrink

CDK8S_CLI = ["npx", "--yes", "cdk8s-cli@2"]
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
}


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | GIT_IDENTITY


@pytest.fixture(scope="module")
def cdk8s_cli() -> list[str]:
    if shutil.which("npx") is None:
        pytest.skip("npx (Node.js) is not installed, so the cdk8s CLI cannot run")
    try:
        probe = subprocess.run([*CDK8S_CLI, "--version"], capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        probe = None
    if probe is None or probe.returncode != 0:
        pytest.skip("the npm registry is unreachable, so cdk8s-cli cannot be fetched")
    return CDK8S_CLI


def _clone(tmp_path: Path) -> Path:
    """Committed sources in a new git repository, with the project's virtualenv at .venv."""
    root = copy_sources(tmp_path / "clone", (*SYNTH_SOURCES, ".gitignore"))  # synth's lock lives in ignored .cache/
    (root / ".venv").symlink_to(Path(sys.prefix))
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "sources"]):
        subprocess.run(["git", *command], cwd=root, env=_environ(), check=True, capture_output=True)
    return root


def _cdk8s_synth(cli: list[str], root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*cli, "synth"], cwd=root, env=_environ(), capture_output=True, text=True, timeout=900)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cdk8s_yaml_runs_the_project_virtualenv():
    config = yaml.safe_load((REPO / "cdk8s.yaml").read_text())
    assert config["app"] == ".venv/bin/python main.py synth" and config["output"] == "dist"


def test_cdk8s_synth_reproduces_committed_dist(cdk8s_cli, tmp_path):
    root = _clone(tmp_path)
    before = _snapshot(root / "dist")
    result = _cdk8s_synth(cdk8s_cli, root)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _snapshot(root / "dist") == before
    assert subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout == ""


def test_failed_cdk8s_synth_says_dist_is_gone_and_how_to_restore(cdk8s_cli, tmp_path):
    root = _clone(tmp_path)
    production = root / "environments/production.yaml"
    production.write_text(production.read_text().replace("replicas: 2\n", "replicas: -2\n", 1))
    result = _cdk8s_synth(cdk8s_cli, root)
    assert result.returncode != 0
    assert "environment 'production'" in result.stderr and "replicas" in result.stderr
    assert "left unchanged" not in result.stderr and "Traceback" not in result.stderr
    assert "git checkout -- dist" in result.stderr
    assert not (root / "dist").exists()  # what the CLI did; the message must not pretend otherwise
    subprocess.run(["git", "checkout", "--", "dist"], cwd=root, check=True)
    assert (
        subprocess.run(["git", "status", "--porcelain", "dist"], cwd=root, capture_output=True, text=True).stdout == ""
    )


def test_shrink_guard_counts_the_committed_dist_when_the_working_copy_is_deleted(tmp_path):
    repo = tmp_path / "repo"
    (repo / "dist/staging/apps/doc-router").mkdir(parents=True)
    for i in range(10):
        (repo / f"dist/staging/apps/doc-router/o{i}.yaml").write_text("x")
    (repo / "dist/staging/apps/kustomization.yaml").write_text("k")
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "dist"]):
        subprocess.run(["git", *command], cwd=repo, env=_environ(), check=True, capture_output=True)
    shutil.rmtree(repo / "dist")  # what `cdk8s synth` does before running main.py
    few = {"apps/doc-router/o1.yaml": "x", "apps/kustomization.yaml": "k"}
    with pytest.raises(SynthError, match=r"from 10 to 1 objects \(counted in the last commit\).*ALLOW_SHRINK=1"):
        check_shrink("staging", repo / "dist/staging", few, allow_shrink=False)
    check_shrink("staging", repo / "dist/staging", few, allow_shrink=True)
