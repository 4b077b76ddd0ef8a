"""A newcomer's first day works as the README says (issue 24): the README's example change passes the
doc tests after `make synth` alone, `python main.py` works from any Python 3.11+, and Node 20 gets one
line instead of jsii's banner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_sources
from docrouter import node_runtime

# ALLOW_OUTSIDE_REPO: synth writes into the test's own temporary folder.
JSII = {k: v for k, v in os.environ.items() if k != node_runtime.SILENCE} | {"ALLOW_OUTSIDE_REPO": "1"}


def checkout_with_docs(root: Path) -> Path:
    """Every tracked file, as a clone has it: the docs link to files anywhere in the repository."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True)
    for name in filter(None, tracked.stdout.split("\0")):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    return root


def test_the_readmes_example_change_needs_no_second_edit(tmp_path):
    """README, 'How a change reaches a cluster': raise production's frontend.replicas from 2 to 3."""
    assert "raise\n   production's `frontend.replicas` from 2 to 3" in (REPO / "README.md").read_text()
    root = checkout_with_docs(tmp_path / "repo")
    env_file = root / "environments/production.yaml"
    text = env_file.read_text()
    frontend = text.index("frontend:")
    env_file.write_text(text[:frontend] + text[frontend:].replace("replicas: 2", "replicas: 3", 1))
    synth = subprocess.run([sys.executable, "main.py", "synth"], cwd=root, capture_output=True, text=True, timeout=300)
    assert synth.returncode == 0, synth.stderr
    assert "updated README.md (environment table)" in synth.stdout
    assert (
        "| replicas frontend / backend / worker | 1 / 1 / 1 | 2 / 2 / 2 | 3 / 2–6 (autoscaled) / 2 |"
        in (root / "README.md").read_text()
    )
    docs = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_docs.py"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert docs.returncode == 0, docs.stdout[-3000:]
    again = subprocess.run([sys.executable, "main.py", "synth"], cwd=root, capture_output=True, text=True)
    assert again.returncode == 0 and "README.md" not in again.stdout  # unchanged: not rewritten


def test_a_broken_other_environment_leaves_the_table_alone_and_synth_of_one_passes(tmp_path):
    root = checkout_with_docs(tmp_path / "repo")
    (root / "environments/staging.yaml").write_text("replicsa: 1\n")
    before = (root / "README.md").read_text()
    result = subprocess.run(
        [sys.executable, "main.py", "synth", "--env", "kind"], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "README.md environment table not updated: environment 'staging'" in result.stderr
    assert (root / "README.md").read_text() == before


def test_main_py_reruns_itself_with_the_venv_from_any_python(tmp_path):
    """-S: an interpreter without the venv's packages, as a system Python is."""
    if not (REPO / ".venv/bin/python").exists():
        pytest.skip("needs .venv (make test creates it)")
    result = subprocess.run(
        [sys.executable, "-S", str(REPO / "main.py"), "--version"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.strip() == "main.py 0.1.0", result.stderr


def test_main_py_without_a_venv_says_in_one_line_to_make_it(tmp_path):
    root = copy_sources(tmp_path / "repo", ("main.py", "pyproject.toml", "constructs"))
    result = subprocess.run([sys.executable, "-S", str(root / "main.py"), "synth"], capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "run `make venv`" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (root / "dist").exists()


@pytest.mark.parametrize(("version", "note"), [("v20.20.2", True), ("v22.12.0", False), ("v24.1.0", False)])
def test_node_20_gets_one_line_and_jsii_is_silenced(tmp_path, monkeypatch, capsys, version, note):
    node = tmp_path / "node"
    node.write_text(f"#!/bin/sh\necho {version}\n")
    node.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.delenv(node_runtime.SILENCE, raising=False)
    node_runtime.prepare()
    err = capsys.readouterr().err
    if note:
        assert err == "note: Node 20 is end-of-life; synth still works, but install Node.js 22 LTS or newer.\n"
        assert os.environ[node_runtime.SILENCE] == "20"
    else:
        assert err == "" and node_runtime.SILENCE not in os.environ


def test_synth_on_this_node_never_prints_bytes_literals(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "synth", "--env", "kind", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=JSII,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "b'!!" not in result.stderr and "!!!!" not in result.stderr
    assert len(result.stderr.splitlines()) <= 1


def test_the_pr_workflow_uses_node_22_and_never_splices_the_base_branch():
    workflow = (REPO / ".github/workflows/review.yml").read_text()
    assert 'node-version: "22"' in workflow
    run_lines = [line for line in workflow.splitlines() if "${{ github.base_ref }}" in line]
    assert run_lines == [
        "          BASE_REF: ${{ github.base_ref }}  # through the environment: a branch name is never shell text"
    ]
