"""SOPS files: our writer/reader, the guard synth runs, and the encrypted Secrets committed per environment.

The reader was checked against files written by sops 3.9.0 and 3.10.2 (Flux's
kustomize-controller test data): it decrypts them and their MACs verify. When a real
`sops` is on PATH, test_sops_cli_decrypts_what_we_write checks the other direction.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime

import pytest
import yaml

from conftest import ENVIRONMENTS, REPO
from docrouter import constants as c
from docrouter.checks import SynthError, is_sops_encrypted
from docrouter.config import load_environment
from docrouter.secrets.catalog import SECRETS
from docrouter.secrets.init import secret_path, secrets_of
from docrouter.secrets.rules import creation_rule
from docrouter.secrets.sopsfile import (
    ENC_VALUE,
    SopsError,
    decrypt_document,
    encrypt_document,
    generate_identity,
    recipients_of,
)
from docrouter.sops_files import sops_secret_files

REGEX = "^(data|stringData)$"


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


def encrypted(key, document=None) -> str:
    return encrypt_document(document or secret(), [key[1]], REGEX)


# --- writer and reader ---------------------------------------------------------------


def test_round_trip_keeps_values_types_and_order(key):
    document = {"kind": "Thing", "data": {"b": "two", "a": 1, "flag": True, "off": False, "list": ["x", "y"]}}
    text = encrypt_document(document, [key[1]], REGEX)
    assert decrypt_document(text, [key[0]]) == document
    assert list(decrypt_document(text, [key[0]])["data"]) == ["b", "a", "flag", "off", "list"]
    assert re.search(r"a: ENC\[AES256_GCM,.*,type:int\]", text) and re.search(r"flag: ENC\[.*type:bool\]", text)


def test_only_values_under_the_encrypted_keys_are_ciphertext(key):
    text = encrypted(key)
    doc = yaml.safe_load(text)
    assert doc["metadata"] == {"name": "doc-router-secrets", "namespace": "doc-router"}
    assert all(ENC_VALUE.match(v) for v in doc["stringData"].values())
    assert "s3cret" not in text and "a@example.com" not in text
    assert recipients_of(doc) == [key[1]]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["sops"]["lastmodified"])
    assert doc["sops"]["encrypted_regex"] == REGEX
    enc = doc["sops"]["age"][0]["enc"]
    assert enc.startswith("-----BEGIN AGE ENCRYPTED FILE-----\n") and enc.endswith("-----END AGE ENCRYPTED FILE-----\n")
    assert "  enc: |\n" in text  # the armour stays a readable block, as sops writes it


def test_an_unquoted_date_still_verifies(key):
    # YAML reads an unquoted lastmodified as a timestamp; sops formats it back to RFC 3339.
    text = re.sub(r"lastmodified: '(.*)'", r"lastmodified: \1", encrypted(key))
    assert isinstance(yaml.safe_load(text)["sops"]["lastmodified"], datetime)
    assert decrypt_document(text, [key[0]]) == secret()


def test_every_encryption_uses_a_fresh_data_key_and_ivs(key):
    first, second = encrypted(key), encrypted(key)
    assert first != second
    same = yaml.safe_load(encrypt_document(secret(A="same", B="same"), [key[1]], REGEX))["stringData"]
    assert same["A"] != same["B"]


def test_every_recipient_can_decrypt(key):
    other = generate_identity()
    text = encrypt_document(secret(), [key[1], other[1]], REGEX)
    assert decrypt_document(text, [key[0]]) == decrypt_document(text, [other[0]]) == secret()


def test_a_key_that_is_not_a_recipient_cannot_decrypt(key):
    with pytest.raises(SopsError, match="none of the given age identities"):
        decrypt_document(encrypted(key), [generate_identity()[0]])


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda d: d["metadata"].update(name="other"), "MAC mismatch"),  # plain values are covered too
        (lambda d: d["stringData"].pop("ADMIN_EMAIL"), "MAC mismatch"),
        (lambda d: d["stringData"].update(ADMIN_EMAIL=d["stringData"]["NEXTAUTH_SECRET"]), "moved to another key"),
        (lambda d: d["sops"].update(lastmodified="2020-01-01T00:00:00Z"), "does not decrypt"),
    ],
)
def test_tampering_is_detected(key, tamper, message):
    doc = yaml.safe_load(encrypted(key))
    tamper(doc)
    with pytest.raises(SopsError, match=message):
        decrypt_document(yaml.safe_dump(doc, sort_keys=False), [key[0]])


def test_bad_input_is_refused_with_the_reason(key):
    with pytest.raises(SopsError, match="not an age public key"):
        encrypt_document(secret(), ["age1nope"], REGEX)
    with pytest.raises(SopsError, match="no age recipients"):
        encrypt_document(secret(), [], REGEX)
    with pytest.raises(SopsError, match="strings, integers or booleans"):
        encrypt_document({"data": {"ratio": 0.5}}, [key[1]], REGEX)
    with pytest.raises(SopsError, match="not encrypted"):
        decrypt_document(yaml.safe_dump(secret()), [key[0]])


def test_sops_cli_decrypts_what_we_write(tmp_path, key):
    sops = shutil.which("sops")
    if sops is None:
        pytest.skip("sops is not on PATH; install it to check our files against the real tool")
    path = tmp_path / "secret.sops.yaml"
    path.write_text(encrypted(key))
    result = subprocess.run(
        [sops, "decrypt", str(path)], capture_output=True, text=True, env={**os.environ, "SOPS_AGE_KEY": key[0]}
    )
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout) == secret()


# --- the guard synth runs ------------------------------------------------------------


def test_guard_accepts_only_complete_sops_metadata_and_ciphertext(key):
    good = yaml.safe_load(encrypted(key))
    assert is_sops_encrypted(good)
    variants = {
        "plain value": lambda d: d["stringData"].update(NEXTAUTH_SECRET="hunter2"),
        "empty value (sops leaves it plain)": lambda d: d["stringData"].update(NEXTAUTH_SECRET=""),
        "look-alike value": lambda d: d["stringData"].update(NEXTAUTH_SECRET="ENC[not really]"),
        "no mac": lambda d: d["sops"].pop("mac"),
        "no recipients": lambda d: d["sops"].update(age=[]),
        "no sops metadata": lambda d: d.pop("sops"),
    }
    for what, change in variants.items():
        doc = yaml.safe_load(encrypted(key))
        change(doc)
        assert not is_sops_encrypted(doc), what


@pytest.fixture
def checkout(tmp_path, key):
    """A checkout whose .sops.yaml encrypts staging for `key`."""
    config = {"creation_rules": [{"path_regex": r"secrets/staging/.*\.sops\.yaml$", "encrypted_regex": REGEX, "age": key[1]}]}
    (tmp_path / ".sops.yaml").write_text(yaml.safe_dump(config))
    folder = tmp_path / "secrets/staging/doc-router"
    folder.mkdir(parents=True)
    return tmp_path


def test_sops_files_are_copied_byte_for_byte(checkout, key):
    raw = encrypted(key).replace("\n", "\r\n").encode()  # any byte change would break the MAC
    (checkout / "secrets/staging/doc-router/doc-router-secrets.sops.yaml").write_bytes(raw)
    assert sops_secret_files("staging", checkout / "secrets") == {
        "pre-deploy/doc-router/secret-doc-router-secrets.sops.yaml": raw
    }


@pytest.mark.parametrize(
    "make_file, message",
    [
        (lambda key: yaml.safe_dump(secret()), "is not a SOPS-encrypted Secret"),
        (lambda key: encrypted(key, secret(name="other")), "holds Secret doc-router/other"),
        (lambda key: encrypt_document(secret(), [generate_identity()[1]], REGEX), "but .sops.yaml names"),
    ],
)
def test_sops_files_that_would_fail_in_the_cluster_stop_synth(checkout, key, make_file, message):
    (checkout / "secrets/staging/doc-router/doc-router-secrets.sops.yaml").write_text(make_file(key))
    with pytest.raises(SynthError, match=f"environment 'staging': .*{re.escape(message)}"):
        sops_secret_files("staging", checkout / "secrets")


# --- what is committed ---------------------------------------------------------------


@pytest.mark.parametrize("env_name", [e for e in ENVIRONMENTS if load_environment(e).provider != "kind"])
def test_each_encrypted_environment_commits_every_secret_it_reads(env_name):
    env = load_environment(env_name)
    for name in secrets_of(env):
        path = secret_path(REPO, env_name, name)
        assert path.is_file(), f"{path.relative_to(REPO)} is missing: make secrets-init ENV={env_name}"
        doc = yaml.safe_load(path.read_text())
        assert is_sops_encrypted(doc), path
        assert sorted(recipients_of(doc)) == sorted(creation_rule(REPO, path.relative_to(REPO).as_posix()).recipients)
        _, keys = SECRETS[name]
        assert {k.name for k in keys if k.required} <= set(doc["stringData"]) <= {k.name for k in keys}
        if name == c.MONGODB_SECRET_NAME:
            assert doc["metadata"]["annotations"] == c.PRUNE_DISABLED


def test_kind_commits_no_secrets():
    kind = [e for e in ENVIRONMENTS if load_environment(e).provider == "kind"]
    assert kind and not any((REPO / "secrets" / e).exists() for e in kind)
