"""`make diff` on SOPS Secrets written by the real sops: re-encryption alone is not a change when the
age key is at hand, and is said once ("re-encrypted (values unknown)") when it is not."""

from __future__ import annotations

import pytest
import yaml

from docrouter_tools.review.core import diff_manifests
from docrouter_tools.review.render_json import render_json
from docrouter_tools.review.render_markdown import render_markdown
from docrouter_tools.review.render_terminal import render_terminal
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.agekeys import generate_identity
from review_trees import APPS, add, production

PATH = f"{APPS}/secret-app.sops.yaml"


@pytest.fixture(scope="module")
def keys():
    return generate_identity(), generate_identity()


def encrypted(tmp_path, recipients: list[str], **values) -> dict:
    rules = tmp_path / "rules.yaml"
    rule = {"path_regex": r"\.sops\.yaml$", "encrypted_regex": "^(data|stringData)$", "age": ",".join(recipients)}
    rules.write_text(yaml.safe_dump({"creation_rules": [rule]}))
    plain = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "app", "namespace": "doc-router"},
        "type": "Opaque",
        "stringData": values,
    }
    return yaml.safe_load(sops.encrypt(rules, tmp_path / "app.sops.yaml", yaml.safe_dump(plain, sort_keys=False)))


@pytest.fixture
def no_key(monkeypatch, tmp_path):
    for name in ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))  # sops' default keys.txt is not there either


def diff(old: dict, new: dict):
    report = diff_manifests(add(production(), PATH, old), add(production(), PATH, new))
    changes = report.envs[0].changes
    texts = [render_terminal(report), render_markdown(report), render_json(report)]
    return ({f.path: (f.old, f.new) for f in changes[0].fields} if changes else {}), texts


def test_with_the_key_only_changed_values_show(tmp_path, monkeypatch, keys, no_key):
    monkeypatch.setenv("SOPS_AGE_KEY", keys[0][0])
    old = encrypted(tmp_path, [keys[0][1]], A="same", B="old-value")
    again = encrypted(tmp_path, [keys[0][1]], A="same", B="old-value")
    assert again["stringData"] != old["stringData"]  # fresh IVs: the ciphertext always changes
    assert diff(old, again)[0] == {}
    fields, texts = diff(old, encrypted(tmp_path, [keys[0][1]], A="same", B="new-value"))
    assert fields == {"stringData.B": ("(hidden, old value)", "(hidden, new value)")}
    assert not any(v in t for t in texts for v in ("same", "old-value", "new-value", "ENC["))


def test_without_the_key_a_re_encryption_is_said_once(tmp_path, keys, no_key):
    old = encrypted(tmp_path, [keys[0][1]], A="same", B="old-value")
    new = encrypted(tmp_path, [keys[0][1]], A="same", B="old-value", C="new-key-value")
    fields, texts = diff(old, new)
    assert fields == {
        "sops.values": ("(encrypted)", "re-encrypted (values unknown)"),
        "stringData.C": (fields["stringData.C"][0], "(hidden)"),  # key names are plain: an added key shows
    }
    assert not any(v in t for t in texts for v in ("old-value", "new-key-value", "ENC["))


def test_a_change_of_recipients_shows(tmp_path, monkeypatch, keys, no_key):
    monkeypatch.setenv("SOPS_AGE_KEY", keys[0][0])
    old = encrypted(tmp_path, [keys[0][1]], A="same")
    fields, _ = diff(old, encrypted(tmp_path, [keys[0][1], keys[1][1]], A="same"))
    assert fields == {"sops.recipients": (keys[0][1], ", ".join(sorted([keys[0][1], keys[1][1]])))}
