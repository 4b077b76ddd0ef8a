"""make diff / history / rollback on a throwaway git repository with scripted commits.

One repository per module (real synth takes ~2 s): tests that only read it run
first; the rollback tests that add commits run after them, in file order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import SYNTH_SOURCES, copy_sources
from docrouter_tools.review.history import revisions
from docrouter_tools.review.rollback import RollbackRefused, rollback

SOURCES = (".gitignore", *SYNTH_SOURCES)
PROD_CONFIG = "environments/production.yaml"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _main(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "NO_COLOR": "1",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
            # synth refuses to run without CRD schemas; these tests are about git, not custom resources
            "CRD_SCHEMAS": os.environ.get("CRD_SCHEMAS") or "skip",
        },
    )


def _edit_config(repo: Path, env: str, change) -> None:
    path = repo / f"environments/{env}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _commit_synth(repo: Path, message: str) -> str:
    result = _main(repo, "synth")
    assert result.returncode == 0, result.stderr
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> dict:
    root = copy_sources(tmp_path_factory.mktemp("gitops") / "repo", SOURCES)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "Test Author")
    _git(root, "config", "user.email", "test@example.com")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Initial platform")
    commits = {"initial": _git(root, "rev-parse", "HEAD").strip()}
    _edit_config(root, "production", lambda c: c["backend"].update(image_tag="v42.0.6"))
    commits["bump"] = _commit_synth(root, "Deploy backend v42.0.6 to production")
    _edit_config(root, "production", lambda c: c["frontend"].update(replicas=3))
    commits["scale"] = _commit_synth(root, "Scale production frontend to 3")
    return {"path": root, **commits}


def test_diff_between_two_commits_synthesizes_each(repo):
    result = _main(repo["path"], "diff", "--base", repo["initial"], "--head", repo["bump"], "-o", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    envs = {e["env"]: e for e in data["environments"]}
    assert envs["staging"]["objects"] == [] and envs["kind"]["objects"] == []
    production = envs["production"]
    objects = {(o["status"], o["kind"], o["name"]) for o in production["objects"]}
    assert ("changed", "Deployment", "backend") in objects
    assert {(i["object"]["name"], i["new"].rsplit(":", 1)[1]) for i in production["images"] if i["new"]} >= {
        ("backend", "v42.0.6")
    }
    assert production["risks"] == []


def test_diff_of_working_tree_flags_risk_and_fails_on_request(repo):
    root = repo["path"]
    _edit_config(root, "production", lambda c: c["ingress"].update(host="new.docrouter.ai"))
    try:
        plain = _main(root, "diff")
        failing = _main(root, "diff", "--fail-on-risk", "-o", "markdown")
    finally:
        _git(root, "checkout", "--", PROD_CONFIG)
    assert plain.returncode == 0, plain.stderr
    assert "[ingress] production: Ingress doc-router/doc-router" in plain.stdout
    assert "diff HEAD → working tree" in plain.stdout
    assert failing.returncode == 3 and "`ingress`" in failing.stdout


def test_diff_json_flags_a_mongodb_storage_edit_and_fails_on_request(repo):
    root = repo["path"]
    _edit_config(root, "production", lambda c: c["mongodb"].update(storage_size="200Gi"))
    try:
        result = _main(root, "diff", "-o", "json", "--fail-on-risk")
    finally:
        _git(root, "checkout", "--", PROD_CONFIG)
    assert result.returncode == 3, result.stderr
    risks = [r for e in json.loads(result.stdout)["environments"] for r in e["risks"]]
    assert [(r["id"], r["object"]["kind"]) for r in risks] == [("operator-immutable", "MongoDBCommunity")]


def test_history_lists_revisions_newest_first_with_images(repo):
    found = revisions(repo["path"], "production")
    assert [(r.number, r.commit, r.subject) for r in found] == [
        (3, repo["scale"], "Scale production frontend to 3"),
        (2, repo["bump"], "Deploy backend v42.0.6 to production"),
        (1, repo["initial"], "Initial platform"),
    ]
    assert "doc-router-backend:v42.0.6" in found[0].images and "doc-router-backend:v43.0.0" in found[2].images
    assert found[0].author == "Test Author"
    result = _main(repo["path"], "history", "--env", "staging")
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and len(lines) == 2 and lines[1].split()[0] == "1" and "Initial platform" in lines[1]


def _refused(repo: dict, env: str, to: str) -> str:
    with pytest.raises(RollbackRefused) as info:
        rollback(repo["path"], env, to, lambda report: True)
    return str(info.value)


def test_rollback_refuses_unknown_revision_and_missing_environment(repo):
    assert "unknown revision 'nope'" in _refused(repo, "production", "nope")
    assert "unknown revision '9'" in _refused(repo, "production", "9")
    assert "did not exist" in _refused(repo, "qa", repo["initial"])


def test_rollback_refuses_on_dirty_tree(repo):
    scratch = repo["path"] / "scratch.txt"
    scratch.write_text("work in progress")
    try:
        assert "uncommitted changes" in _refused(repo, "production", "1")
    finally:
        scratch.unlink()


def test_rollback_cancelled_changes_nothing(repo):
    head = _git(repo["path"], "rev-parse", "HEAD")
    assert "cancelled" in str(
        pytest.raises(RollbackRefused, rollback, repo["path"], "production", "1", lambda report: False).value
    )
    assert _git(repo["path"], "rev-parse", "HEAD") == head and _git(repo["path"], "status", "--porcelain") == ""


def test_rollback_commits_the_old_revision_and_synth_agrees(repo):
    root = repo["path"]
    result = _main(root, "rollback", "--env", "production", "--to", "1", "--yes")
    assert result.returncode == 0, result.stderr
    assert "doc-router-backend:v42.0.6 → ghcr.io/analytiq-hub/doc-router-backend:v43.0.0" in result.stdout
    assert _git(root, "log", "-1", "--format=%s").startswith("Roll back production to revision 1")
    assert _git(root, "diff", "--stat", repo["initial"], "HEAD", "--", "dist", "constructs") == ""
    assert _main(root, "synth").returncode == 0
    assert _git(root, "status", "--porcelain") == ""  # the drift check passes
    assert revisions(root, "production")[0].number == 4


def test_rollback_refuses_when_shared_code_changed(repo):
    root = repo["path"]
    workload = root / "constructs/docrouter/platform/workload.py"
    workload.write_text(
        workload.read_text().replace('spec["revisionHistoryLimit"] = 5', 'spec["revisionHistoryLimit"] = 7')
    )
    _commit_synth(root, "Keep more ReplicaSets")
    head = _git(root, "rev-parse", "HEAD")
    message = _refused(repo, "production", "2")
    assert "shared construct code changed" in message and "Keep more ReplicaSets" in message
    assert _git(root, "rev-parse", "HEAD") == head and _git(root, "status", "--porcelain") == ""


def test_rollback_sources_are_the_environment_config_and_secrets_not_a_folder_named_like_it(tmp_path):
    from docrouter_tools.review.rollback import env_sources

    files = [
        "tools/docrouter_tools/kind/cluster.py",
        "environments/kind.yaml",
        "environments/staging.yaml",
        "secrets/kind/doc-router/app.sops.yaml",
        "secrets/staging/doc-router/app.sops.yaml",
    ]
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "sources")
    assert env_sources(tmp_path, "HEAD", "kind") == [
        "environments/kind.yaml",
        "secrets/kind/doc-router/app.sops.yaml",
    ]


def test_rollback_to_a_revision_todays_code_refuses_says_why_in_one_line(repo):
    root = repo["path"]
    config = root / "constructs/docrouter/config.py"
    component = "class Component(Frozen):\n    replicas: int = Field(ge=1, le=INT32_MAX)"
    assert component in config.read_text()
    config.write_text(config.read_text().replace(component, component.replace("INT32_MAX", "2")))
    _edit_config(root, "production", lambda c: c["frontend"].update(replicas=2))  # today's HEAD within the limit
    _commit_synth(root, "At most 2 replicas per component")
    try:
        number = next(r.number for r in revisions(root, "production") if r.commit == repo["scale"])
        result = _main(root, "rollback", "--env", "production", "--to", str(number), "--yes")
        assert result.returncode == 1
        (line,) = [x for x in result.stderr.splitlines() if x.startswith("rollback refused")]
        assert "cannot be rebuilt by today's code" in line and "frontend.replicas" in line, line
        assert "git revert" in line and "FORCE=1" not in result.stderr and "/tmp" not in result.stderr
        assert _git(root, "status", "--porcelain") == ""
    finally:
        _git(root, "revert", "--no-edit", "HEAD")


def _commit_dated(repo: Path, message: str, date: str) -> str:
    assert _main(repo, "synth").returncode == 0
    _git(repo, "add", "-A")
    dated = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, check=True, env={**os.environ, **dated})
    return _git(repo, "rev-parse", "HEAD").strip()


def test_history_numbers_never_change_when_an_older_side_branch_is_merged(repo):
    root = repo["path"]
    _edit_config(root, "production", lambda c: None)  # rewritten once as _edit_config writes it: merges cleanly
    _git(root, "commit", "-q", "--allow-empty", "-am", "Normalize production.yaml")
    before = {r.commit: r.number for r in revisions(root, "production")}
    _git(root, "checkout", "-q", "-b", "side")
    _edit_config(root, "production", lambda c: c["worker"]["resources"]["requests"].update(cpu="600m"))
    side = _commit_dated(root, "Worker asks for more CPU", "2020-01-01T00:00:00")  # dated before every main commit
    _git(root, "checkout", "-q", "main")
    _edit_config(root, "production", lambda c: c["frontend"]["resources"]["requests"].update(cpu="300m"))
    _commit_synth(root, "Frontend asks for more CPU")
    _git(root, "merge", "-q", "--no-ff", "side", "-m", "Merge side")
    after = revisions(root, "production")
    assert {r.commit: r.number for r in after if r.commit in before} == before
    assert side not in {r.commit for r in after}  # the merge is the revision, as Flux sees it
    assert [r.subject for r in after[:2]] == ["Merge side", "Frontend asks for more CPU"]
    assert after[0].number == max(before.values()) + 2


def test_diff_of_record_is_the_committed_tree_and_flags_a_hand_edit(repo):
    root = repo["path"]
    (root / "dist/production/apps/doc-router/networkpolicy-worker.yaml").unlink()
    _git(root, "commit", "-q", "-am", "Drop the worker's NetworkPolicy by hand")
    try:
        result = _main(root, "diff", "--base", "HEAD~1", "--head", "HEAD", "-o", "json", "--fail-on-risk")
    finally:
        _git(root, "revert", "--no-edit", "HEAD")
    assert result.returncode == 3, result.stderr
    data = json.loads(result.stdout)
    production = next(e for e in data["environments"] if e["env"] == "production")
    risks = {(r["id"], r["object"]["kind"], r["object"]["name"]) for r in production["risks"]}
    assert ("network-policy", "NetworkPolicy", "worker") in risks
    assert ("hand-edit", "Revision", "HEAD") in risks
    hand_edit = next(r for r in production["risks"] if r["id"] == "hand-edit")
    assert "dist/production/apps/doc-router/networkpolicy-worker.yaml" in hand_edit["reason"]
    sources = {e["env"]: e for e in data["sources"]["environments"]}
    assert sources["production"]["objects"] == []  # the sources still deploy the policy: nothing changes
