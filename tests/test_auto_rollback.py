"""Automatic rollback: the decision on recorded Flux events against a real git history, the rollback
commit it records, `make history`'s mark, and the Flux objects and workflow that carry the event.

One throwaway repository per module (real synth): initial platform → staging backend bump
(changes the apps and pre-deploy layers) → a commit that changes no environment. The tests that
only decide run first; the one that rolls back (and so adds commits) runs after them, in file order.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SYNTH_SOURCES, Manifests, copy_sources
from docrouter.config import ConfigError, load_environment
from docrouter.layers import LAYERS
from docrouter_tools.review.auto_rollback import Decision, comment, decide, record
from docrouter_tools.review.history import revisions, with_auto_rollbacks
from docrouter_tools.review.rollback import rollback
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.agekeys import generate_identity
from docrouter_tools.secrets.init import secrets_of
from docrouter_tools.secrets.values import CHANGE_ME
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.model import Document
from docrouter_tools.validate.placeholders import check_placeholders
from stub_tools import StubTools

FIXTURES = Path(__file__).parent / "fixtures" / "auto_rollback"
EVENT = json.loads((FIXTURES / "event-health-check-failed.json").read_text())
PULLS = json.loads((FIXTURES / "pulls.json").read_text())
EVENT_TIME = datetime.fromisoformat(EVENT["timestamp"])
SOON = EVENT_TIME + timedelta(minutes=1)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _main(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CRD_SCHEMAS": os.environ["CRD_SCHEMAS"],  # the copy has no ../shared beside it
    }
    return subprocess.run([sys.executable, "main.py", *args], cwd=repo, capture_output=True, text=True, env=env)


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD").strip()


def event(commit: str, layer: str = "apps", env: str = "staging", **changes) -> dict:
    """The recorded event for another commit, layer or environment."""
    body = copy.deepcopy(EVENT)
    body["involvedObject"]["name"] = layer
    body["metadata"].update(env=env, revision=f"main@sha1:{commit}")
    body.update(changes)
    return body


def pulls(commit: str, *labels: str) -> list[dict]:
    body = copy.deepcopy(PULLS)
    body[0]["merge_commit_sha"] = commit
    body[0]["labels"] += [{"id": 7100 + i, "name": name} for i, name in enumerate(labels)]
    return body


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> dict:
    root = copy_sources(tmp_path_factory.mktemp("auto-rollback") / "repo", (".gitignore", *SYNTH_SOURCES))
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.name", "Test Author")
    _git(root, "config", "user.email", "test@example.com")
    initial = _commit(root, "Initial platform")
    config = root / "environments/staging.yaml"
    config.write_text(config.read_text().replace('image_tag: "v43.0.0"', 'image_tag: "v43.1.0"'))
    assert _main(root, "synth").returncode == 0
    bump = _commit(root, "Deploy v43.1.0 to staging (#42)")
    (root / "NOTES.md").write_text("no environment changes here\n")
    notes = _commit(root, "Write notes")
    return {"path": root, "initial": initial, "bump": bump, "notes": notes}


# --- the decision, one rule at a time -----------------------------------------------------------


def test_newest_revision_that_broke_its_layer_is_rolled_back(repo):
    # Flux reports the branch tip (a later commit that changed no environment): the environment's
    # revision deployed there is the bump, which changed apps.
    decision = decide(repo["path"], event(repo["notes"]), pulls(repo["bump"]), SOON)
    assert decision.act, decision.why
    assert (decision.env, decision.layer, decision.failed, decision.target) == (
        "staging",
        "apps",
        repo["bump"],
        repo["initial"],
    )
    assert decision.reason == "HealthCheckFailed" and "Deployment/doc-router/backend" in decision.message
    assert decision.pr == 42 and decision.head == repo["notes"]
    assert decision.timeout_minutes == 7  # apps: timeout 5m + retryInterval 2m (clusters/staging/apps.yaml)


def test_an_older_revision_failing_does_nothing(repo):
    decision = decide(repo["path"], event(repo["initial"]), pulls(repo["initial"]), SOON)
    assert not decision.act
    assert f"is not staging's newest revision: {repo['bump'][:10]} changed it since" in decision.why


def test_a_layer_the_revision_did_not_change_does_nothing(repo):
    decision = decide(repo["path"], event(repo["bump"], layer="database"), pulls(repo["bump"]), SOON)
    assert not decision.act
    assert "did not change database (dist/staging/database, clusters/staging/database.yaml)" in decision.why


def test_the_no_auto_rollback_label_does_nothing(repo):
    decision = decide(repo["path"], event(repo["bump"]), pulls(repo["bump"], "no-auto-rollback"), SOON)
    assert not decision.act and decision.why == "pull request #42 carries the no-auto-rollback label"


def test_an_event_older_than_timeout_plus_retry_interval_does_nothing(repo):
    decision = decide(repo["path"], event(repo["bump"]), pulls(repo["bump"]), EVENT_TIME + timedelta(minutes=8))
    assert not decision.act and "older than apps's timeout + retryInterval (7 min)" in decision.why
    # ...while the same event within the window acts.
    assert decide(repo["path"], event(repo["bump"]), [], EVENT_TIME + timedelta(minutes=6)).act


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"reason": "ArtifactFailed"}, "Flux's reason 'ArtifactFailed' is not a failed rollout"),
        ({"severity": "info"}, "severity is 'info'"),
        ({"involvedObject": {"kind": "HelmRelease", "namespace": "cert-manager", "name": "x"}}, "not a Kustomization"),
        ({"metadata": {"revision": "main@sha1:abc"}}, "has no environment"),
        ({"metadata": {"env": "staging", "revision": "v1.2.3@sha256:abc"}}, "names no Git commit"),
        ({"timestamp": "yesterday"}, "is not RFC 3339"),
    ],
)
def test_events_that_are_not_rollout_failures_do_nothing(repo, changes, why):
    assert why in decide(repo["path"], event(repo["bump"], **changes), [], SOON).why


def test_environments_with_auto_rollback_off_and_unknown_revisions_do_nothing(repo):
    assert "auto_rollback is off for kind" in decide(repo["path"], event(repo["bump"], env="kind"), [], SOON).why
    unknown = decide(repo["path"], event("1" * 40), [], SOON)
    assert not unknown.act and "is not on this branch's first-parent history" in unknown.why


def test_the_cli_writes_the_decision_and_reads_only_files(repo, tmp_path):
    (tmp_path / "event.json").write_text(json.dumps(event(repo["notes"])))
    (tmp_path / "pulls.json").write_text(json.dumps(pulls(repo["bump"])))
    found = _main(repo["path"], "auto-rollback", "revision", "--event", str(tmp_path / "event.json"))
    assert found.returncode == 0 and found.stdout.strip() == repo["bump"]
    args = ["--event", str(tmp_path / "event.json"), "--pulls", str(tmp_path / "pulls.json")]
    result = _main(
        repo["path"], "auto-rollback", "decide", *args, "--out", str(tmp_path / "d.json"), "--now", SOON.isoformat()
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("auto-rollback: ROLL BACK: apps failed at")
    assert json.loads((tmp_path / "d.json").read_text())["target"] == repo["initial"]
    log = tmp_path / "rollback.log"
    log.write_text("rollback refused: shared construct code changed since revision 1\n")
    args = ["--decision", str(tmp_path / "d.json"), "--failure", str(log), "--out", str(tmp_path / "c.md")]
    written = _main(repo["path"], "auto-rollback", "comment", *args)
    assert written.returncode == 0, written.stderr
    assert "could not be made: rollback refused: shared construct code" in (tmp_path / "c.md").read_text()
    # record only rewords the commit `make rollback` just made on top of the decision's HEAD.
    refused = _main(repo["path"], "auto-rollback", "record", "--decision", str(tmp_path / "d.json"))
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("auto-rollback record failed: HEAD is not a rollback commit on top of")
    (tmp_path / "broken.json").write_text("{")
    bad = _main(repo["path"], "auto-rollback", "revision", "--event", str(tmp_path / "broken.json"))
    assert bad.returncode == 1 and bad.stderr.startswith("auto-rollback revision failed: cannot read the event")
    assert "Traceback" not in bad.stderr


# --- acting: the rollback commit, history, and the events that follow it --------------------------


def test_rollback_is_recorded_once_and_marked_in_history(repo):
    root = repo["path"]
    decision = decide(root, event(repo["notes"]), pulls(repo["bump"]), SOON)
    assert decision.act, decision.why
    rollback(root, decision.env, decision.target, lambda report: True)  # what `make rollback ... YES=1` runs
    undo = record(root, decision)
    message = _git(root, "log", "-1", "--format=%B", undo)
    assert message.startswith(f"Auto-rollback staging: apps failed at {repo['bump'][:10]} (HealthCheckFailed)\n")
    assert "timeout waiting for: [Deployment/doc-router/backend status: 'InProgress']" in message
    trailers = _git(root, "log", "-1", "--format=%(trailers:only,unfold)", undo).split("\n")
    assert trailers[:5] == [
        f"Auto-rollback-of: {repo['bump']}",
        "Auto-rollback-env: staging",
        "Auto-rollback-layer: apps",
        "Auto-rollback-reason: HealthCheckFailed",
        "Auto-rollback-pr: 42",
    ]
    assert _git(root, "diff", "--stat", repo["initial"], undo, "--", "dist/staging", "clusters/staging") == ""

    # A second event for the same revision (Flux retries, the dispatch repeats): nothing.
    again = decide(root, event(repo["notes"]), pulls(repo["bump"]), SOON)
    assert not again.act
    assert again.why == f"{repo['bump'][:10]} was rolled back already, by {undo[:10]} (once per revision)"
    # The rollback itself failing (say, an outage) is never rolled back in turn.
    itself = decide(root, event(undo), [], SOON)
    assert not itself.act and "is itself the auto-rollback of" in itself.why

    listed = with_auto_rollbacks(root, revisions(root, "staging"))
    assert listed[0].commit == undo and listed[0].auto_rollback_of.endswith(repo["bump"][:10])
    assert all(not r.auto_rollback_of for r in listed[1:])
    history = _main(root, "history", "--env", "staging")
    assert re.search(rf"{undo[:10]} .*\(auto-rollback of revision \d+ {repo['bump'][:10]}\)", history.stdout)
    as_json = json.loads(_main(root, "history", "--env", "staging", "-o", "json").stdout)
    assert as_json[0]["auto_rollback_of"].endswith(repo["bump"][:10])


def test_record_refuses_when_head_is_not_the_fresh_rollback(repo):
    decision = Decision(True, "", "staging", "apps", repo["bump"], repo["initial"], "HealthCheckFailed", head="0" * 40)
    with pytest.raises(Exception, match="HEAD is not a rollback commit on top of 0000000000"):
        record(repo["path"], decision)


def test_pr_comment_names_the_failure_the_rollback_and_how_to_stop_it():
    decision = Decision(True, "", "staging", "apps", "a" * 40, "b" * 40, "HealthCheckFailed", "timeout", 42, "c" * 40)
    done = comment(decision, commit="d" * 40)
    assert "`apps` failed" in done and "back to `bbbbbbbbbb` with commit `dddddddddd`" in done
    assert "`no-auto-rollback`" in done
    failed = comment(decision, failure="rollback refused: shared construct code changed")
    assert "could not be made: rollback refused" in failed and "make rollback ENV=staging TO=bbbbbbbbbb" in failed


# --- what carries the event: environment field, Flux objects, Secret, workflow --------------------


def test_auto_rollback_is_on_for_the_cloud_environments_and_off_for_kind():
    assert load_environment("staging").auto_rollback_on and load_environment("production").auto_rollback_on
    assert not load_environment("kind").auto_rollback_on
    assert "github-dispatch" in secrets_of(load_environment("staging"))
    assert "github-dispatch" not in secrets_of(load_environment("kind"))


def test_kind_refuses_auto_rollback_with_one_line(tmp_path):
    folder = tmp_path / "environments"
    folder.mkdir()
    text = (REPO / "environments/kind.yaml").read_text()
    (folder / "kind.yaml").write_text(text + "auto_rollback: true\n")
    with pytest.raises(ConfigError) as info:
        load_environment("kind", folder)
    assert "\n" not in str(info.value) and "auto_rollback: true is not possible on Kind" in str(info.value)
    (folder / "kind.yaml").write_text(text + "auto_rollback: 'yes'\n")
    with pytest.raises(ConfigError, match="field 'auto_rollback'"):
        load_environment("kind", folder)


@pytest.mark.parametrize("env", ["staging", "production"])
def test_alert_and_provider_carry_each_layer_and_the_environment(env):
    flux = {(o["kind"], o["metadata"]["name"]): o for o in Manifests(env).flux}
    provider, alert = flux[("Provider", "auto-rollback")], flux[("Alert", "auto-rollback")]
    assert provider["spec"] == {"type": "githubdispatch", "secretRef": {"name": "github-dispatch"}}
    layers = [name for kind, name in flux if kind == "Kustomization"]
    assert sorted(s["name"] for s in alert["spec"]["eventSources"]) == sorted(layers)
    assert {s["kind"] for s in alert["spec"]["eventSources"]} == {"Kustomization"}
    assert alert["spec"]["eventSeverity"] == "error" and alert["spec"]["eventMetadata"] == {"env": env}
    assert alert["spec"]["providerRef"] == {"name": "auto-rollback"}


def test_kind_has_no_auto_rollback_objects():
    assert not [o for o in Manifests("kind").flux if o["metadata"]["name"] == "auto-rollback"]


WORKFLOW = REPO / ".github/workflows/auto-rollback.yml"


def test_workflow_listens_for_every_layer_and_splices_nothing_into_shell():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    types = workflow[True]["repository_dispatch"]["types"]  # YAML 1.1 reads the key `on` as True
    assert types == [f"Kustomization/{layer.name}.flux-system" for layer in LAYERS]
    steps = workflow["jobs"]["auto-rollback"]["steps"]
    for step in steps:
        assert "${{" not in step.get("run", ""), f"step {step.get('name')!r} splices an expression into shell"
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "make --no-print-directory rollback ENV=" in runs and "auto-rollback record" in runs
    assert "issues/$PR/comments" in runs


# --- the dispatch Secret: created with placeholders, and validate says so -------------------------

DISPATCH = "secrets/staging/flux-system/github-dispatch.sops.yaml"


@pytest.fixture
def sops_repo(tmp_path) -> tuple[Path, tuple[str, str]]:
    """A checkout whose .sops.yaml has a real recipient for staging."""
    key = generate_identity()
    rule = {"path_regex": r"secrets/staging/.*\.sops\.yaml$", "encrypted_regex": "^(data|stringData)$", "age": key[1]}
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".sops.yaml").write_text(yaml.safe_dump({"creation_rules": [rule]}))
    return root, key


def _placeholder_findings(path: Path) -> list:
    doc = Document(yaml.safe_load(path.read_text()), DISPATCH, 0, namespace="flux-system")
    inventory = Inventory(load_environment("staging"), path.parent, documents=[doc])
    return check_placeholders(inventory)


def test_secrets_init_writes_change_me_and_validate_warns_until_it_is_set(tmp_path, sops_repo):
    root, key = sops_repo
    stubs = StubTools(tmp_path, tools=())
    assert stubs.main("secrets", "init", "--env", "staging", "--root", str(root)).returncode == 0
    plain = yaml.safe_load(sops.decrypt(root / DISPATCH, env={**os.environ, "SOPS_AGE_KEY": key[0]}))
    assert plain["stringData"] == {"address": CHANGE_ME, "token": CHANGE_ME}
    findings = _placeholder_findings(root / DISPATCH)  # read from the ciphertext: no key needed
    assert [(f.severity, f.rule) for f in findings] == [("warning", "sops/placeholder")] * 2
    assert "token is 9 characters long, shorter than any real one (40+)" in findings[1].message
    assert "make secrets-edit ENV=staging SECRET=github-dispatch" in findings[1].fix

    # An environment set up before auto-rollback existed: only the new Secret is created.
    others = {p: p.read_bytes() for p in (root / "secrets").rglob("*.sops.yaml") if p.name != Path(DISPATCH).name}
    (root / DISPATCH).unlink()
    result = stubs.main("secrets", "init", "--env", "staging", "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert (root / DISPATCH).is_file() and {p: p.read_bytes() for p in others} == others

    real = {"address": "https://github.com/analytiq-hub/doc-router-platform", "token": "github_pat_" + "x" * 82}
    plaintext = yaml.safe_dump({**plain, "stringData": real})
    (root / DISPATCH).write_text(sops.encrypt(root / ".sops.yaml", root / DISPATCH, plaintext))
    assert _placeholder_findings(root / DISPATCH) == []
