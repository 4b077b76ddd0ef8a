"""make checkov: every failed check on dist/<env> is one docs/checkov.md explains."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from conftest import ENVIRONMENTS, REPO
from docrouter_tools import checkov_gate
from docrouter_tools.checkov_gate import docs_table, failures, unexplained

INSTALLED = Path(os.environ.get(checkov_gate.CHECKOV_VARIABLE) or REPO / ".cache/checkov/bin/checkov")


def _stub(tmp_path: Path, failed: list[dict]) -> str:
    report = {"check_type": "kubernetes", "results": {"failed_checks": failed}, "summary": {}}
    stub = tmp_path / "checkov"
    stub.write_text(f"#!{sys.executable}\nimport sys\nprint({json.dumps(json.dumps(report))})\nsys.exit(1)\n")
    stub.chmod(0o755)
    return str(stub)


def test_docs_table_matches_the_gate():
    doc = (REPO / "docs/checkov.md").read_text()
    section = re.search(r"<!-- checkov:begin -->\n(.*?)\n<!-- checkov:end -->", doc, re.S)
    assert section and section.group(1) == docs_table(), "docs/checkov.md is stale: paste docs_table()"


def test_an_unexplained_finding_fails_and_is_named(tmp_path, monkeypatch, capsys):
    found = [
        {"check_id": "CKV_K8S_40", "resource": "Deployment.doc-router.backend", "file_path": "/x.yaml"},
        {"check_id": "CKV_K8S_40", "resource": "Deployment.mongodb.other", "file_path": "/y.yaml"},
        {"check_id": "CKV_K8S_20", "resource": "Deployment.doc-router.frontend", "file_path": "/z.yaml"},
    ]
    monkeypatch.setenv(checkov_gate.CHECKOV_VARIABLE, _stub(tmp_path, found))
    assert checkov_gate.main(["staging"]) == 1
    err = capsys.readouterr().err
    assert "staging: CKV_K8S_20 on Deployment.doc-router.frontend (/z.yaml)" in err
    assert "Deployment.mongodb.other" in err and "Deployment.doc-router.backend" not in err


@pytest.mark.skipif(not INSTALLED.is_file(), reason="checkov is not installed: `make checkov` installs it")
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_checkov_finds_only_documented_failures(env):
    found = failures(env, str(INSTALLED))
    assert unexplained(found) == []
    assert found, "checkov reported nothing: is it scanning dist/?"
