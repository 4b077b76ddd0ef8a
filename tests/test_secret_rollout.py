"""A committed Secret change rolls the Deployments that read it, seen through `make diff`.

Kubernetes copies `envFrom` values into a container at start and never restarts it when the
Secret changes (kubernetes.io/docs/concepts/configuration/secret, "Using Secrets as environment
variables": "If a container already consumes a Secret in an environment variable, a Secret update
will not be seen by the container unless it is restarted"), so the pod template must change.
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
from docrouter.platform.secret_rollout import ANNOTATION_PREFIX
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.agekeys import generate_identity

SECRET = "secrets/production/doc-router/doc-router-secrets.sops.yaml"
ANNOTATION = f"spec.template.metadata.annotations.{ANNOTATION_PREFIX}doc-router-secrets"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _main(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "NO_COLOR": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "CRD_SCHEMAS": os.environ["CRD_SCHEMAS"],  # the copy has no ../shared beside it
    }
    return subprocess.run([sys.executable, "main.py", *args], cwd=repo, capture_output=True, text=True, env=env)


def _write_secret(repo: Path, admin_email: str) -> None:
    plain = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "doc-router-secrets", "namespace": "doc-router"},
        "type": "Opaque",
        "stringData": {"ADMIN_EMAIL": admin_email},
    }
    path = repo / SECRET
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sops.encrypt(repo / ".sops.yaml", path, yaml.safe_dump(plain, sort_keys=False)))


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = copy_sources(tmp_path_factory.mktemp("secret-rollout") / "repo", (".gitignore", *SYNTH_SOURCES))
    config = root / ".sops.yaml"
    config.write_text(config.read_text().replace("REPLACE_WITH_PRODUCTION_AGE_PUBLIC_KEY", generate_identity()[1]))
    _write_secret(root, "admin@example.com")
    assert _main(root, "synth").returncode == 0
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=T", "-c", "user.email=t@example.com", "add", "-A")
    _git(root, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-q", "-m", "platform with a Secret")
    return root


def test_a_secret_edit_rolls_every_deployment_that_reads_it(repo):
    _write_secret(repo, "someone-else@example.com")
    result = _main(repo, "diff", "-o", "json")
    assert result.returncode == 0, result.stderr
    envs = {e["env"]: e for e in json.loads(result.stdout)["environments"]}
    assert envs["staging"]["objects"] == [] and envs["kind"]["objects"] == []
    changed = {o["name"]: o for o in envs["production"]["objects"] if o["kind"] == "Deployment"}
    assert set(changed) == {"frontend", "backend", "worker"}
    for deployment in changed.values():
        assert [f["path"] for f in deployment["fields"]] == [ANNOTATION]
        # The same zero-downtime strategy as an image change: a new pod is ready before an old one stops.
        assert "maxSurge 1, maxUnavailable 0: start 1 new pod → wait ready" in deployment["rollout"]
    secrets = [o for o in envs["production"]["objects"] if o["kind"] == "Secret"]
    assert [s["name"] for s in secrets] == ["doc-router-secrets"]


def test_without_a_committed_secret_there_is_no_annotation():
    kind = Path(__file__).resolve().parents[1] / "dist/kind/apps/doc-router/deployment-backend.yaml"
    annotations = yaml.safe_load(kind.read_text())["spec"]["template"]["metadata"]["annotations"]
    assert not [key for key in annotations if key.startswith(ANNOTATION_PREFIX)]
