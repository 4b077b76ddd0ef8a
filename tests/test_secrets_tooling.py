"""`main.py secrets init|edit` with the real sops, the runner, and the files that must list every key."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ENVIRONMENTS, REPO
from docrouter import constants as c
from docrouter.config import InClusterMongoDB, load_environment
from docrouter.runner import CommandError, run
from docrouter_tools.kind.cluster import NODE_IMAGE
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.agekeys import generate_identity
from docrouter_tools.secrets.catalog import APP_SECRET_KEYS, SECRETS
from docrouter_tools.secrets.values import CHANGE_ME, mongodb_uri
from stub_tools import StubTools


@pytest.fixture(scope="module")
def key() -> tuple[str, str]:
    return generate_identity()


@pytest.fixture
def repo(tmp_path, key) -> Path:
    """A checkout whose .sops.yaml has a real recipient for staging and the placeholder for production."""
    root = tmp_path / "repo"
    root.mkdir()
    rules = [
        {"path_regex": r"secrets/staging/.*\.sops\.yaml$", "encrypted_regex": "^(data|stringData)$", "age": key[1]},
        {
            "path_regex": r"secrets/production/.*\.sops\.yaml$",
            "encrypted_regex": "^(data|stringData)$",
            "age": "REPLACE_WITH_PRODUCTION_AGE_PUBLIC_KEY",
        },
    ]
    (root / ".sops.yaml").write_text(yaml.safe_dump({"creation_rules": rules}))
    return root


def secrets_cli(
    stubs: StubTools, repo: Path, command: str, *args: str, env: dict | None = None, subprocess_run: bool = False
):
    return stubs.main("secrets", command, *args, "--root", str(repo), env=env, subprocess_run=subprocess_run)


def decrypted(path: Path, key) -> dict:
    return yaml.safe_load(sops.decrypt(path, env={**os.environ, "SOPS_AGE_KEY": key[0]}))["stringData"]


def editor(tmp_path: Path, code: str) -> str:
    """An $EDITOR for `sops edit`: a Python script that gets the decrypted temporary file's path."""
    script = tmp_path / "editor.py"
    script.write_text(f"#!{sys.executable}\nimport sys\nfrom pathlib import Path\npath = Path(sys.argv[-1])\n{code}\n")
    script.chmod(0o755)
    return str(script)


APP = "secrets/staging/doc-router/doc-router-secrets.sops.yaml"
DB = "secrets/staging/mongodb/mongodb-credentials.sops.yaml"


# --- make secrets-init ---------------------------------------------------------------


def test_init_creates_every_secret_with_generated_credentials_that_agree(tmp_path, repo, key):
    # The one run of the real `python main.py secrets` (the others call the CLI in-process), with no
    # Node on PATH: it never starts cdk8s (docs/performance.md), so it works without Node.
    stubs = StubTools(tmp_path, tools=())
    (stubs.bin / "node").unlink(missing_ok=True)
    result = secrets_cli(stubs, repo, "init", "--env", "staging", subprocess_run=True)
    assert result.returncode == 0, result.stderr
    app, db = decrypted(repo / APP, key), decrypted(repo / DB, key)
    assert list(app) == [k.name for k in APP_SECRET_KEYS if k.required]  # optional keys are left out
    assert list(db) == list(c.MONGODB_SECRET_KEYS)
    staging_db = load_environment("staging").mongodb
    assert isinstance(staging_db, InClusterMongoDB)
    assert app["MONGODB_URI"] == mongodb_uri(staging_db.replicas, db["app-password"])
    assert app["ADMIN_EMAIL"] == CHANGE_ME and "fill in ADMIN_EMAIL" in result.stdout
    generated = [app["NEXTAUTH_SECRET"], app["FASTAPI_SECRET"], app["ADMIN_PASSWORD"], *db.values()]
    assert len(set(generated)) == len(generated) and all(len(v) >= 32 for v in generated)
    assert not [p for p in repo.rglob(".*.sops.yaml.*")]  # no temporary files left behind
    # Plaintext went to sops on stdin: no value on any command line, in the output, or on disk.
    assert not any(value in result.stdout + result.stderr for value in generated)
    assert "encrypt --filename-override" in result.stderr and "/dev/stdin" in result.stderr
    files = [p.read_text() for p in repo.rglob("*") if p.is_file()]
    assert not any(value in text for value in generated for text in files)


def test_init_leaves_existing_secrets_alone_unless_forced(tmp_path, repo, key):
    stubs = StubTools(tmp_path, tools=())
    secrets_cli(stubs, repo, "init", "--env", "staging")
    before = {p: (repo / p).read_bytes() for p in (APP, DB)}
    old_password = decrypted(repo / DB, key)["app-password"]
    result = secrets_cli(stubs, repo, "init", "--env", "staging")
    assert result.returncode == 0 and "every Secret exists already" in result.stdout
    assert {p: (repo / p).read_bytes() for p in (APP, DB)} == before
    assert secrets_cli(stubs, repo, "init", "--env", "staging", "--force").returncode == 0
    assert decrypted(repo / DB, key)["app-password"] != old_password


def test_init_refuses_to_pair_a_new_secret_with_an_old_one(tmp_path, repo):
    stubs = StubTools(tmp_path, tools=())
    secrets_cli(stubs, repo, "init", "--env", "staging")
    (repo / APP).unlink()
    kept = (repo / DB).read_bytes()
    result = secrets_cli(stubs, repo, "init", "--env", "staging")
    assert result.returncode == 1
    assert "doc-router-secrets.sops.yaml is missing" in result.stderr and "FORCE=1" in result.stderr
    assert not (repo / APP).exists() and (repo / DB).read_bytes() == kept


# --- make secrets-edit ---------------------------------------------------------------


def test_edit_creates_missing_secrets_then_saves_the_edit_encrypted(tmp_path, repo, key):
    change = editor(tmp_path, "path.write_text(path.read_text().replace('CHANGE-ME', 'ops@example.com'))")
    result = secrets_cli(
        StubTools(tmp_path, tools=()), repo, "edit", "--env", "staging", env={"EDITOR": change, "SOPS_AGE_KEY": key[0]}
    )
    assert result.returncode == 0, result.stderr
    assert f"--config {repo}/.sops.yaml edit {repo / APP}" in result.stderr
    assert "is encrypted; commit it" in result.stdout
    assert decrypted(repo / APP, key)["ADMIN_EMAIL"] == "ops@example.com"
    assert "ops@example.com" not in (repo / APP).read_text() and (repo / DB).is_file()


def test_edit_closed_without_a_change_is_no_change_not_a_failure(tmp_path, repo, key):
    stubs = StubTools(tmp_path, tools=())
    secrets_cli(stubs, repo, "init", "--env", "staging")
    before = (repo / DB).read_bytes()
    result = secrets_cli(
        stubs,
        repo,
        "edit",
        "--env",
        "staging",
        "--secret",
        "mongodb-credentials",
        env={"EDITOR": editor(tmp_path, "pass"), "SOPS_AGE_KEY": key[0]},
    )
    assert result.returncode == 0, result.stderr  # sops exits 200, "File has not changed"
    assert "no change" in result.stdout
    assert (repo / DB).read_bytes() == before


@pytest.mark.parametrize("command", ["init", "edit"])
@pytest.mark.parametrize(
    "env_name, message",
    [
        ("production", "still has the placeholder REPLACE_WITH_PRODUCTION_AGE_PUBLIC_KEY"),
        ("kind", "edit .env.kind and run `make kind-secrets`"),
        ("", "no environment given. Fix: name one, e.g. --env staging (make: ENV=staging)"),
        ("nowhere", "unknown environment 'nowhere' (known: kind, production, staging)"),
    ],
)
def test_init_and_edit_refuse_with_a_clear_message(tmp_path, repo, command, env_name, message):
    result = secrets_cli(StubTools(tmp_path, tools=()), repo, command, "--env", env_name)
    # A missing or unknown environment is a usage error (2); an environment not ready for secrets is 1.
    assert result.returncode == (2 if env_name in ("", "nowhere") else 1)
    assert message.format(command=command) in result.stderr
    assert "Traceback" not in result.stderr
    assert not (repo / "secrets").exists()


def test_edit_without_sops_says_how_to_install_it(tmp_path, repo):
    result = secrets_cli(
        StubTools(tmp_path, tools=()), repo, "edit", "--env", "staging", env={"SOPS": str(tmp_path / "no-sops-here")}
    )
    assert result.returncode == 1
    assert "no-sops-here is not an executable sops" in result.stderr and "Traceback" not in result.stderr
    assert not (repo / "secrets").exists()


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
            generated = "yes" if key.generated else "(no|built)"
            row = rf"\| `{key.name}` \| {re.escape(key.requirement)} \| {generated} \|"
            assert re.search(row, text), key.name


def test_env_kind_example_lists_every_key_but_the_built_mongodb_uri():
    text = (REPO / ".env.kind.example").read_text()
    listed = re.findall(r"^([A-Z_0-9]+)=", text, flags=re.M)
    assert listed == [key.name for key in APP_SECRET_KEYS if key.name != "MONGODB_URI"]


def test_sops_config_has_one_rule_per_encrypted_environment():
    rules = yaml.safe_load((REPO / ".sops.yaml").read_text())["creation_rules"]
    expected = [env for env in ENVIRONMENTS if env != "kind"]
    assert sorted(rule["path_regex"] for rule in rules) == sorted(rf"secrets/{env}/.*\.sops\.yaml$" for env in expected)
    assert all(rule["encrypted_regex"] == "^(data|stringData)$" for rule in rules)
    # Each environment has its own recipients: a staging key must not open production secrets.
    assert len({rule["age"] for rule in rules}) == len(rules)


def test_nothing_secret_for_kind_is_tracked():
    ignored = (REPO / ".gitignore").read_text().split()
    assert {".env.kind", "*.agekey", ".cache/"} <= set(ignored)


def test_kind_node_image_runs_the_kind_environments_kubernetes_version():
    version = load_environment("kind").kubernetes_version
    assert re.fullmatch(rf"kindest/node:v{re.escape(version)}\.\d+@sha256:[0-9a-f]{{64}}", NODE_IMAGE), NODE_IMAGE


def test_flux_source_for_kind_points_at_the_registry_the_loop_pushes_to():
    source = REPO / "clusters" / "kind" / "source.yaml"
    if not source.exists():
        pytest.skip("clusters/kind/source.yaml is not synthesized in this checkout yet")
    repository = next(d for d in yaml.safe_load_all(source.read_text()) if d and d["kind"] == "OCIRepository")
    assert repository["metadata"]["name"] == c.KIND_SOURCE_NAME
    assert repository["spec"]["url"] == f"oci://{c.KIND_REGISTRY_NAME}:{c.KIND_REGISTRY_PORT}/{c.KIND_SOURCE_NAME}"
    assert repository["spec"]["ref"]["tag"] == c.KIND_ARTIFACT_TAG
