"""An environment whose file is gone: validate names what is left of it (the diff side is test_review_flags)."""

from __future__ import annotations

import json
import shutil

from conftest import REPO
from docrouter_tools.validate.environments import orphaned_environments
from test_validate_cli import run_validate


def test_validate_reports_dist_and_clusters_of_an_environment_without_a_file(tmp_path):
    for top in ("dist", "clusters"):
        shutil.copytree(REPO / top / "kind", tmp_path / top / "kind")
    shutil.copytree(REPO / "dist" / "staging", tmp_path / "dist" / "qa")  # qa.yaml was deleted, its output stays
    (tmp_path / "clusters" / "qa").mkdir()
    found = orphaned_environments(tmp_path, ["kind", "staging", "production"])
    assert {f.where for f in found["qa"]} == {"dist/qa", "clusters/qa"}
    result = run_validate("--no-drift", "--root", str(tmp_path), "-o", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    (finding, _) = report["environments"]["qa"]["findings"]
    assert finding["rule"] == "env/orphaned" and "environments/qa.yaml" in finding["message"]
    assert "git rm -r dist/qa clusters/qa" in finding["fix"]


def test_the_real_repository_has_no_orphaned_environment():
    assert orphaned_environments(REPO, ["kind", "staging", "production"]) == {}
