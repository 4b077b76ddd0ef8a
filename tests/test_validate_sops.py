"""`make validate` on SOPS Secrets: missing ones (warning while .sops.yaml has placeholders, error after)
and files encrypted for other recipients than .sops.yaml names. Files are written by the real sops."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from docrouter.config import load_environment
from docrouter.layers import layer_for_secret_namespace
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.agekeys import generate_identity
from docrouter_tools.secrets.catalog import SECRETS
from docrouter_tools.secrets.init import secrets_of
from docrouter_tools.validate.engine import validate_environment
from docrouter_tools.validate.model import ERROR, WARNING

STAGING = load_environment("staging")
SOPS_RULES = ("sops/missing-secret", "sops/recipients")


def sops_findings(root: Path) -> list:
    return [f for f in validate_environment(root, STAGING, with_drift=False) if f.rule in SOPS_RULES]


def checkout(tmp_path: Path, staging_age: str) -> Path:
    """dist/staging and clusters/staging as committed, with .sops.yaml naming staging_age for staging."""
    for folder in ("dist/staging", "clusters/staging"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    config = yaml.safe_load((REPO / ".sops.yaml").read_text())
    for rule in config["creation_rules"]:
        if "staging" in rule["path_regex"]:
            rule["age"] = staging_age
    (tmp_path / ".sops.yaml").write_text(yaml.safe_dump(config))
    return tmp_path


def test_missing_secrets_are_warnings_while_recipients_are_placeholders(tmp_path):
    findings = sops_findings(checkout(tmp_path, "REPLACE_WITH_STAGING_AGE_PUBLIC_KEY"))
    assert [(f.severity, f.rule, f.file) for f in findings] == [
        (WARNING, "sops/missing-secret", f"secrets/staging/{SECRETS[name][0]}/{name}.sops.yaml")
        for name in sorted(secrets_of(STAGING), key=lambda n: f"secrets/staging/{SECRETS[n][0]}/{n}.sops.yaml")
    ]
    app = next(f for f in findings if "doc-router-secrets" in f.file)
    assert app.message.startswith("environment staging has no doc-router-secrets")
    assert app.fix.startswith("run `make secrets-init ENV=staging` after putting your age public key in .sops.yaml")


def test_without_any_sops_config_missing_secrets_are_warnings_too(tmp_path):
    root = checkout(tmp_path, "unused")
    (root / ".sops.yaml").unlink()  # e.g. a copy of dist/ and clusters/ only
    assert {(f.severity, f.rule) for f in sops_findings(root)} == {(WARNING, "sops/missing-secret")}


def test_missing_secrets_block_once_a_real_recipient_is_configured(tmp_path):
    findings = sops_findings(checkout(tmp_path, generate_identity()[1]))
    assert {f.severity for f in findings} == {ERROR}
    assert len(findings) == len(secrets_of(STAGING))
    assert all(f.fix == "run `make secrets-init ENV=staging`" for f in findings)


@pytest.fixture(scope="module")
def keys() -> tuple[tuple[str, str], tuple[str, str]]:
    return generate_identity(), generate_identity()


def ship_secrets(root: Path, recipient: str) -> None:
    """Every Secret staging reads, encrypted by the real sops for `recipient`, placed where synth puts them."""
    rules = root / "sops-rules.yaml"
    rule = {"path_regex": r"\.sops\.yaml$", "encrypted_regex": "^(data|stringData)$", "age": recipient}
    rules.write_text(yaml.safe_dump({"creation_rules": [rule]}))
    for name in secrets_of(STAGING):
        namespace = SECRETS[name][0]
        secret_layer = layer_for_secret_namespace(namespace)
        assert secret_layer is not None, namespace
        layer = secret_layer.path
        target = root / f"dist/staging/{layer}/{namespace}/secret-{name}.sops.yaml"
        plain = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace},
            "stringData": {"k": "v"},
        }
        target.write_text(sops.encrypt(rules, target, yaml.safe_dump(plain)))


def test_secrets_for_the_configured_recipients_pass(tmp_path, keys):
    root = checkout(tmp_path, keys[0][1])
    ship_secrets(root, keys[0][1])
    assert sops_findings(root) == []


def test_secrets_for_other_recipients_are_errors_naming_both(tmp_path, keys):
    root = checkout(tmp_path, keys[0][1])
    ship_secrets(root, keys[1][1])
    findings = sops_findings(root)
    assert {(f.severity, f.rule) for f in findings} == {(ERROR, "sops/recipients")}
    assert len(findings) == len(secrets_of(STAGING))
    assert all(f"is encrypted for {keys[1][1]}, but .sops.yaml names {keys[0][1]}" in f.message for f in findings)
    assert all(f.fix.startswith("`sops updatekeys secrets/staging/") for f in findings)
