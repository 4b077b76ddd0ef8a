"""`main.py secrets edit` with a stub sops, the runner, and the files that must list every key."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ENVIRONMENTS, REPO
from docrouter import constants as c
from docrouter.config import load_environment
from docrouter.kind.cluster import NODE_IMAGE
from docrouter.kind.workspace import ARTIFACT_TAG, REGISTRY_NAME, REGISTRY_PORT, SOURCE_NAME
from docrouter.runner import CommandError, run
from docrouter.secrets.catalog import APP_SECRET_KEYS, SECRETS
from stub_tools import StubTools

CIPHERTEXT = "stringData:\n    ADMIN_EMAIL: ENC[AES256_GCM,data:xx]\nsops:\n    age: []\n"


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    config = (REPO / ".sops.yaml").read_text()
    (root / ".sops.yaml").write_text(config.replace("REPLACE_WITH_STAGING_AGE_PUBLIC_KEY", "age1staging"))
    return root


def edit(stubs: StubTools, repo: Path, *args: str):
    return stubs.main("secrets", "edit", *args, "--root", str(repo))


def test_edit_creates_the_file_from_the_template_then_opens_it(tmp_path, repo):
    stubs = StubTools(tmp_path)
    stubs.rule("sops --config", stdout=CIPHERTEXT)
    result = edit(stubs, repo, "--env", "staging")
    assert result.returncode == 0, result.stderr
    target = repo / "secrets/staging/doc-router/doc-router-secrets.sops.yaml"
    calls = stubs.records()
    assert len(calls) == 2
    encrypt, open_editor = calls
    plain = encrypt["argv"][-1]
    assert encrypt["argv"] == [
        "sops", "--config", str(repo / ".sops.yaml"), "encrypt", "--filename-override", str(target),
        "--input-type", "yaml", "--output-type", "yaml", plain,
    ]
    assert open_editor["argv"] == ["sops", "--config", str(repo / ".sops.yaml"), "edit", str(target)]
    assert target.read_text() == CIPHERTEXT
    assert not Path(plain).exists()  # the plaintext is gone
    template = yaml.safe_load(encrypt["files"][plain])
    assert template["metadata"] == {"name": c.APP_SECRET_NAME, "namespace": c.APP_NAMESPACE}
    assert list(template["stringData"]) == [key.name for key in APP_SECRET_KEYS]
    assert template["stringData"]["MONGODB_URI"].startswith("mongodb://docrouter:<app-password>@mongodb-0.")


def test_edit_opens_an_existing_file_without_recreating_it(tmp_path, repo):
    stubs = StubTools(tmp_path)
    target = repo / "secrets/staging/mongodb/mongodb-credentials.sops.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(CIPHERTEXT)
    result = edit(stubs, repo, "--env", "staging", "--secret", "mongodb-credentials")
    assert result.returncode == 0, result.stderr
    assert stubs.calls() == [f"sops --config {repo}/.sops.yaml edit {target}"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("--env", "production"), "still has the placeholder REPLACE_WITH_PRODUCTION_AGE_PUBLIC_KEY"),
        (("--env", "kind"), "edit .env.kind and run `make kind-secrets`"),
        (("--env", ""), "make secrets-edit ENV=staging"),
        (("--env", "nowhere"), "unknown environment"),
    ],
)
def test_edit_refuses_with_a_clear_message(tmp_path, repo, args, message):
    stubs = StubTools(tmp_path)
    result = edit(stubs, repo, *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert stubs.calls() == []
    assert not (repo / "secrets").exists()


def test_edit_without_sops_says_how_to_install_it(tmp_path, repo):
    stubs = StubTools(tmp_path, tools=())
    result = edit(stubs, repo, "--env", "staging")
    assert result.returncode == 1
    assert "sops is not installed" in result.stderr and "https://github.com/getsops/sops" in result.stderr


# --- the runner ------------------------------------------------------------------


def test_runner_names_the_failing_command():
    with pytest.raises(CommandError, match=r"`.*python.* -c 'raise SystemExit\(3\)'` failed"):
        run([sys.executable, "-c", "raise SystemExit(3)"])


def test_runner_gives_up_after_its_timeout():
    with pytest.raises(CommandError, match="did not finish within 0.5s"):
        run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)


def test_runner_passes_stdin_and_returns_captured_output():
    assert run([sys.executable, "-c", "print(input()[::-1])"], stdin="abc\n", capture=True) == "cba\n"


# --- files that document or configure every key -------------------------------------


def test_template_md_lists_every_key_with_whether_it_is_required():
    text = (REPO / "secrets" / "TEMPLATE.md").read_text()
    for name, (namespace, keys) in SECRETS.items():
        assert f"## `{name}` (namespace `{namespace}`)" in text
        for key in keys:
            assert re.search(rf"\| `{key.name}` \| {'required' if key.required else 'optional'} \|", text), key.name


def test_env_kind_example_lists_every_key_but_the_built_mongodb_uri():
    text = (REPO / ".env.kind.example").read_text()
    listed = re.findall(r"^([A-Z_0-9]+)=", text, flags=re.M)
    assert listed == [key.name for key in APP_SECRET_KEYS if key.name != "MONGODB_URI"]


def test_sops_config_has_one_rule_per_encrypted_environment():
    rules = yaml.safe_load((REPO / ".sops.yaml").read_text())["creation_rules"]
    expected = [env for env in ENVIRONMENTS if env != "kind"]
    assert sorted(rule["path_regex"] for rule in rules) == sorted(rf"secrets/{env}/.*\.sops\.yaml$" for env in expected)
    assert all(rule["encrypted_regex"] == "^(data|stringData)$" for rule in rules)


def test_nothing_secret_for_kind_is_tracked():
    ignored = (REPO / ".gitignore").read_text().split()
    assert {".env.kind", "*.agekey", ".cache/"} <= set(ignored)


def test_kind_node_image_runs_the_kind_environments_kubernetes_version():
    version = load_environment("kind").kubernetes_version
    assert NODE_IMAGE.startswith(f"kindest/node:v{version}.")


def test_flux_source_for_kind_points_at_the_registry_the_loop_pushes_to():
    source = REPO / "clusters" / "kind" / "source.yaml"
    if not source.exists():
        pytest.skip("clusters/kind/source.yaml is not synthesized in this checkout yet")
    repository = next(d for d in yaml.safe_load_all(source.read_text()) if d and d["kind"] == "OCIRepository")
    assert repository["metadata"]["name"] == SOURCE_NAME
    assert repository["spec"]["url"] == f"oci://{REGISTRY_NAME}:{REGISTRY_PORT}/{SOURCE_NAME}"
    assert repository["spec"]["ref"]["tag"] == ARTIFACT_TAG
