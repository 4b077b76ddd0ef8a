"""Hostile and careless Secret files: no value is ever printed, nothing plain ships, nothing decrypted stays.

Each reproduction from issue 23 ("The tools never leak a secret") with the real sops and a generated
age key: a kubectl-exported annotation beside the encrypted values, a broken MAC, a value in a YAML
error or a schema error, a decrypted file under secrets/, a closed terminal during `secrets edit`,
and a write failure in the middle of `secrets init --force`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, copy_sources
from docrouter.config import load_environment
from docrouter.layers import layer_for_secret_namespace
from docrouter.synthesis.checks import SynthError
from docrouter.synthesis.sops_files import sops_secret_files
from docrouter_tools.review.core import diff_manifests
from docrouter_tools.review.render_json import render_json
from docrouter_tools.review.render_markdown import render_markdown
from docrouter_tools.review.render_terminal import render_terminal
from docrouter_tools.secrets import init as init_module
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.agekeys import generate_identity
from docrouter_tools.secrets.init import SecretsError, init, secret_path
from docrouter_tools.validate.engine import validate_environment
from review_trees import APPS, add, production

PASSWORD = "hunter2-leaked-password"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
STAGING = load_environment("staging")
APP = "doc-router-secrets"
APP_FILE = f"secrets/staging/doc-router/{APP}.sops.yaml"


@pytest.fixture(scope="module")
def key() -> tuple[str, str]:
    return generate_identity()


@pytest.fixture
def no_key(monkeypatch, tmp_path):
    for name in sops.AGE_KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))


def sops_rules(root: Path, recipient: str) -> None:
    config = yaml.safe_load((REPO / ".sops.yaml").read_text())
    for rule in config["creation_rules"]:
        rule["age"] = recipient
    (root / ".sops.yaml").write_text(yaml.safe_dump(config))


def secret(annotations: dict | None = None, **values: str) -> dict:
    meta: dict = {"name": APP, "namespace": "doc-router"}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque", "stringData": values}


def exported(password: str = PASSWORD) -> dict:
    """What `kubectl get secret -o yaml` gives: the values again, in plain text, in an annotation."""
    applied = json.dumps({"apiVersion": "v1", "kind": "Secret", "stringData": {"ADMIN_PASSWORD": password}})
    return secret({LAST_APPLIED: applied}, ADMIN_PASSWORD=password)


def encrypt(root: Path, document: dict, relative: str = APP_FILE) -> str:
    return sops.encrypt(root / ".sops.yaml", root / relative, yaml.safe_dump(document, sort_keys=False))


@pytest.fixture
def checkout(tmp_path, key) -> Path:
    root = tmp_path / "repo"
    for folder in ("dist/staging", "clusters/staging"):
        shutil.copytree(REPO / folder, root / folder)
    sops_rules(root, key[1])
    (root / "secrets/staging/doc-router").mkdir(parents=True)
    return root


def ship(root: Path, text: str) -> Path:
    """Place an encrypted file where synth would copy it in dist/staging/."""
    layer = layer_for_secret_namespace("doc-router")
    assert layer is not None
    target = root / f"dist/staging/{layer.path}/doc-router/secret-{APP}.sops.yaml"
    target.write_text(text)
    return target


def findings_about(root: Path, rule_prefix: str) -> list:
    found = validate_environment(root, STAGING, with_drift=False)
    assert not any(PASSWORD in f"{f.message} {f.fix}" for f in found)
    return [f for f in found if f.rule.startswith(rule_prefix)]


# --- plaintext beside the encrypted fields ------------------------------------------------


def test_synth_refuses_a_secret_file_with_an_exported_annotation(checkout):
    (checkout / APP_FILE).write_text(encrypt(checkout, exported()))
    assert PASSWORD in (checkout / APP_FILE).read_text()  # sops leaves it plain: that is the leak
    with pytest.raises(SynthError) as caught:
        sops_secret_files("staging", checkout / "secrets")
    message = str(caught.value)
    assert "\n" not in message and PASSWORD not in message
    assert f"carries metadata.annotations.{LAST_APPLIED}, which sops does not encrypt" in message
    assert "Fix: keep only apiVersion, kind, metadata.name/namespace/labels, type" in message


def test_the_prune_annotation_our_own_tooling_writes_is_allowed(checkout):
    document = secret({"kustomize.toolkit.fluxcd.io/prune": "disabled"}, ADMIN_PASSWORD="x")
    (checkout / APP_FILE).write_text(encrypt(checkout, document))
    assert list(sops_secret_files("staging", checkout / "secrets")) == [f"pre-deploy/doc-router/secret-{APP}.sops.yaml"]


def test_validate_refuses_it_and_names_the_field_only(checkout):
    ship(checkout, encrypt(checkout, exported()))
    (finding,) = findings_about(checkout, "sops/plain-field")
    assert finding.severity == "error" and LAST_APPLIED in finding.message


def test_the_diff_never_prints_a_secrets_annotations(no_key, tmp_path, key):
    sops_rules(tmp_path, key[1])
    path = f"{APPS}/secret-app.sops.yaml"
    old = yaml.safe_load(encrypt(tmp_path, exported("old-" + PASSWORD), "secrets/staging/x/app.sops.yaml"))
    new = yaml.safe_load(encrypt(tmp_path, exported("new-" + PASSWORD), "secrets/staging/x/app.sops.yaml"))
    report = diff_manifests(add(production(), path, old), add(production(), path, new))
    for text in (render_terminal(report), render_markdown(report), render_json(report)):
        assert PASSWORD not in text and f"metadata.annotations.{LAST_APPLIED}" in text


# --- validate never echoes a value --------------------------------------------------------


def test_a_yaml_error_in_a_secret_names_the_place_not_the_line(checkout):
    ship(checkout, f"apiVersion: v1\nkind: Secret\nstringData:\n  ADMIN_PASSWORD: {PASSWORD}\n    bad: [\n")
    (finding,) = findings_about(checkout, "parse/invalid-yaml")
    assert finding.message.startswith("line ") and PASSWORD not in finding.message


def test_a_wrongly_typed_secret_value_is_named_by_field(checkout):
    ship(checkout, yaml.safe_dump(secret() | {"data": {"ADMIN_PASSWORD": [PASSWORD]}}))
    found = findings_about(checkout, "schema/invalid")
    assert found and all(f.message == "field data.ADMIN_PASSWORD: does not match the schema" for f in found)


def test_anything_under_secrets_that_is_not_a_sops_file_is_refused(checkout):
    (checkout / "secrets/staging/doc-router/decrypted.yaml").write_text(f"ADMIN_PASSWORD: {PASSWORD}\n")
    (finding,) = findings_about(checkout, "sops/not-sops-file")
    assert finding.file == "secrets/staging/doc-router/decrypted.yaml" and "never commit decrypted" in finding.fix


# --- a broken MAC -------------------------------------------------------------------------


def test_a_hand_edited_plain_field_breaks_the_mac_and_validate_says_so_with_the_key(checkout, key, monkeypatch):
    text = encrypt(checkout, secret(ADMIN_PASSWORD=PASSWORD))
    ship(checkout, text.replace("type: Opaque", "type: kubernetes.io/basic-auth"))
    monkeypatch.setenv("SOPS_AGE_KEY", key[0])
    (finding,) = findings_about(checkout, "sops/mac")
    assert finding.rule == "sops/mac-mismatch" and "sops and Flux will refuse" in finding.message
    ship(checkout, text)
    assert findings_about(checkout, "sops/mac") == []


def test_without_the_key_validate_says_the_macs_were_not_verified(checkout, no_key):
    ship(checkout, encrypt(checkout, secret(ADMIN_PASSWORD=PASSWORD)).replace("Opaque", "kubernetes.io/tls"))
    (finding,) = findings_about(checkout, "sops/mac")
    assert (finding.rule, finding.severity) == ("sops/mac-unverified", "info")
    assert "MACs not verified (no age key here" in finding.message


# --- secrets-edit and secrets-init never leave plaintext or a half-written pair -------------


EDITOR = """#!/bin/sh
# Records where sops put the decrypted copy, then waits like a person reading it
# (its own output closed, so the test does not wait for it once sops is gone).
exec >/dev/null 2>&1 </dev/null
echo "$1" > "{record}"
sleep 20
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_secrets_edit_removes_the_decrypted_copy_on_a_signal(tmp_path, key, signum):
    root = copy_sources(tmp_path / "clone")
    sops_rules(root, key[1])
    record = tmp_path / "opened"
    editor = tmp_path / "editor.sh"
    editor.write_text(EDITOR.format(record=record))
    editor.chmod(0o755)
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {
        "SOPS_AGE_KEY": key[0],
        "EDITOR": str(editor),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    process = subprocess.Popen(
        [sys.executable, "main.py", "secrets", "edit", "--env", "staging"],
        cwd=root,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not record.exists() or not record.read_text().strip():
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.1)
    decrypted = Path(record.read_text().strip())
    assert decrypted.is_file()  # sops' plaintext copy, while the editor is open
    process.send_signal(signum)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130 and "Traceback" not in err
    assert err.rstrip().endswith("interrupted")
    private = decrypted.parent.parent  # sops' temporary folder lives inside the private TMPDIR it was given
    assert private.name.startswith("docrouter-sops-edit-")
    assert not decrypted.exists() and not private.exists()


def test_secrets_init_force_writes_both_files_or_neither(tmp_path, key, monkeypatch, capsys):
    monkeypatch.setenv("SOPS_AGE_KEY", key[0])
    sops_rules(tmp_path, key[1])
    init(tmp_path, "staging")
    paths = [secret_path(tmp_path, "staging", name) for name in ("doc-router-secrets", "mongodb-credentials")]
    before = {path: path.read_bytes() for path in paths}
    existing = {p for p in (tmp_path / "secrets").rglob("*") if p.is_file()}  # also the dispatch token's file
    real_replace, calls = os.replace, []

    def failing_second(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(target))
        real_replace(source, target)

    monkeypatch.setattr(init_module.os, "replace", failing_second)
    with pytest.raises(SecretsError) as caught:
        init(tmp_path, "staging", force=True)
    monkeypatch.setattr(init_module.os, "replace", real_replace)
    message = str(caught.value)
    assert "\n" not in message and "No space left on device; no file was changed" in message
    assert {path: path.read_bytes() for path in paths} == before
    leftovers = [p for p in (tmp_path / "secrets").rglob("*") if p.is_file() and p not in existing]
    assert leftovers == []


@pytest.mark.parametrize(
    "path, ignored",
    [
        (".env", True),
        (".env.production", True),
        ("keys.txt", True),
        ("staging.key", True),
        ("secrets/staging/doc-router/doc-router-secrets.yaml", True),  # a decrypted copy
        ("secrets/staging/doc-router/doc-router-secrets.sops.yaml~", True),  # an editor's backup
        ("secrets/staging/doc-router/doc-router-secrets.sops.yaml", False),
        ("secrets/TEMPLATE.md", False),
        (".env.kind.example", False),
        ("dist/.synth-0123abcd/0/apps/kustomization.yaml", True),
    ],
)
def test_gitignore_keeps_keys_and_decrypted_files_out(path, ignored):
    result = subprocess.run(["git", "check-ignore", "--no-index", "-q", path], cwd=REPO)
    assert (result.returncode == 0) == ignored


ANNOTATING_EDITOR = """#!/bin/sh
# Pastes what `kubectl get secret -o yaml` exports under metadata, as a careless edit would.
sed -i 's/^metadata:$/metadata:\\n  annotations:\\n    {annotation}: "{password}"/' "$1"
"""


def test_secrets_edit_undoes_an_edit_that_adds_a_plain_field(tmp_path, key):
    root = copy_sources(tmp_path / "clone")
    sops_rules(root, key[1])
    editor = tmp_path / "editor.sh"
    editor.write_text(ANNOTATING_EDITOR.format(annotation=LAST_APPLIED.replace("/", "\\/"), password=PASSWORD))
    editor.chmod(0o755)
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"SOPS_AGE_KEY": key[0]}
    command = [sys.executable, "main.py", "secrets", "edit", "--env", "staging"]
    subprocess.run(
        [sys.executable, "main.py", "secrets", "init", "--env", "staging"], cwd=root, env=environ, check=True
    )
    before = (root / APP_FILE).read_bytes()
    result = subprocess.run(command, cwd=root, env=environ | {"EDITOR": str(editor)}, capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr and PASSWORD not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "Fix:" in line]
    assert f"carries metadata.annotations.{LAST_APPLIED}" in line and "the edit was not kept" in line
    assert (root / APP_FILE).read_bytes() == before and PASSWORD not in (root / APP_FILE).read_text()


# --- another revision's code never sees the reviewer's keys ------------------------------

DUMPS_ENVIRONMENT = """
import json, os, sys
from pathlib import Path
args = dict(zip(sys.argv[2::2], sys.argv[3::2]))
out = Path(args["--out"]) / "kind"
out.mkdir(parents=True)
(out / "environ.yaml").write_text(json.dumps(dict(os.environ)))
"""
CREDENTIALS = {
    "SOPS_AGE_KEY_FILE": "/home/reviewer/.config/sops/age/keys.txt",
    "SOPS_AGE_KEY": "AGE-SECRET-KEY-1REVIEWER",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "DIGITALOCEAN_ACCESS_TOKEN": "do-token",
    "GITHUB_TOKEN": "ghp_token",
    "KUBECONFIG": "/home/reviewer/.kube/config",
}


@pytest.mark.parametrize("foreign", [True, False], ids=["another-revision", "working-tree"])
def test_a_background_synth_gets_no_credentials(tmp_path, monkeypatch, foreign):
    from docrouter.synthesis.background import BackgroundSynth

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "main.py").write_text(DUMPS_ENVIRONMENT)
    with BackgroundSynth(checkout, foreign=foreign) as synth:
        seen = json.loads(synth.tree()["dist/kind/environ.yaml"])
    assert not set(CREDENTIALS) & set(seen), sorted(seen)
    assert not any(value in json.dumps(seen) for value in CREDENTIALS.values())
    assert seen["PATH"] == os.environ["PATH"] and seen["ALLOW_OUTSIDE_REPO"] == "1"
    assert (seen["HOME"] != os.environ.get("HOME")) == foreign
