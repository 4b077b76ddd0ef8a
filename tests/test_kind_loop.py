"""`python main.py kind ...` against stub tools: the exact commands, idempotence, errors."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path

import pytest
import yaml

from docrouter import constants as c
from docrouter_tools.kind.cluster import NODE_IMAGE
from docrouter_tools.kind.deploy import content_digest
from stub_tools import ALL_TOOLS, StubTools

CTX = "kubectl --context kind-doc-router"
NODE = "doc-router-control-plane"
CERTS = "/etc/containerd/certs.d/localhost:5001"
DAEMON = "docker info --format '{{.ServerVersion}}'"
REGISTRY_STATE = "docker inspect --format '{{.State.Running}}' kind-registry"
REGISTRY_NETWORK = "docker inspect --format '{{json .NetworkSettings.Networks.kind}}' kind-registry"


@pytest.fixture
def repo(tmp_path) -> Path:
    root = tmp_path / "repo"
    (root / "dist" / "kind" / "apps").mkdir(parents=True)
    (root / "dist" / "kind" / "apps" / "frontend.yaml").write_text("kind: Deployment\n")
    (root / "clusters" / "kind").mkdir(parents=True)
    (root / "clusters" / "kind" / "source.yaml").write_text("kind: OCIRepository\n")
    (root / ".env.kind").write_text(
        "# mine\nADMIN_EMAIL=me@example.com # mine, a comment as Docker Compose reads it\n"
        "ADMIN_PASSWORD='s3cret pass'\nOPENAI_API_KEY=\nexport GROQ_API_KEY=\"gsk\"\n"
    )
    return root


@pytest.fixture
def stubs(tmp_path) -> StubTools:
    return StubTools(tmp_path)


def kind(stubs: StubTools, repo: Path, *args: str, subprocess_run: bool = False):
    return stubs.main("kind", *args, "--root", str(repo), subprocess_run=subprocess_run)


# --- up -------------------------------------------------------------------------


def test_up_on_a_fresh_machine_creates_registry_cluster_and_wiring(stubs, repo):
    stubs.rule(REGISTRY_STATE, exit=1)  # no registry container yet
    stubs.rule("kind get nodes", stdout=f"{NODE}\n")
    stubs.rule(REGISTRY_NETWORK, stdout="null\n")
    result = kind(stubs, repo, "up", subprocess_run=True)  # the one run of the real `python main.py kind`
    assert result.returncode == 0, result.stderr
    config = repo / ".cache/kind/doc-router/kind-config.yaml"
    assert stubs.calls() == [
        DAEMON,
        REGISTRY_STATE,
        "docker run --detach --restart=always --publish 127.0.0.1:5001:5000 --network bridge"
        " --name kind-registry registry:2.8.3",
        "kind get clusters",
        "kind version",
        f"kind create cluster --name doc-router --image {NODE_IMAGE} --config {config} --wait 120s",
        "kind get nodes --name doc-router",
        f"docker exec {NODE} mkdir -p {CERTS}",
        f"docker exec -i {NODE} cp /dev/stdin {CERTS}/hosts.toml",
        REGISTRY_NETWORK,
        "docker network connect kind kind-registry",
        f"{CTX} apply -f -",
    ]
    assert stubs.stdin_of("docker exec -i") == ['[host."http://kind-registry:5000"]\n']
    hosting = yaml.safe_load(stubs.stdin_of(f"{CTX} apply")[0])
    assert hosting["metadata"] == {"name": "local-registry-hosting", "namespace": "kube-public"}
    assert 'host: "localhost:5001"' in hosting["data"]["localRegistryHosting.v1"]
    cluster = yaml.safe_load(config.read_text())
    node = cluster["nodes"][0]
    assert [(p["containerPort"], p["hostPort"]) for p in node["extraPortMappings"]] == [(80, 80), (443, 443)]
    assert 'node-labels: "ingress-ready=true"' in node["kubeadmConfigPatches"][0]
    assert 'config_path = "/etc/containerd/certs.d"' in cluster["containerdConfigPatches"][0]


def test_up_again_says_the_cluster_exists_and_only_rewires(stubs, repo):
    stubs.rule(REGISTRY_STATE, stdout="true\n")
    stubs.rule("kind get clusters", stdout="other\ndoc-router\n")
    stubs.rule("kind get nodes", stdout=f"{NODE}\n")
    stubs.rule(REGISTRY_NETWORK, stdout='{"NetworkID":"abc"}\n')
    result = kind(stubs, repo, "up")
    assert result.returncode == 0, result.stderr
    assert "Kind cluster 'doc-router' already exists; continuing" in result.stdout
    assert "already running" in result.stdout
    calls = stubs.calls()
    assert not [call for call in calls if call.startswith(("kind create", "docker run", "docker network connect"))]
    assert calls[-1] == f"{CTX} apply -f -"


def test_up_starts_a_stopped_registry(stubs, repo):
    stubs.rule(REGISTRY_STATE, stdout="false\n")
    assert kind(stubs, repo, "up").returncode == 0
    assert stubs.calls()[2] == "docker start kind-registry"


def test_up_uses_the_cluster_name(stubs, repo):
    stubs.rule("kind get nodes", stdout="dev-control-plane\n")
    assert kind(stubs, repo, "up", "--cluster", "dev").returncode == 0
    assert "kubectl --context kind-dev apply -f -" in stubs.calls()
    assert any(call.startswith("kind create cluster --name dev ") for call in stubs.calls())


@pytest.mark.parametrize(
    "installed, refused", [("kind v0.29.0 go1.24.2 linux/amd64", True), ("kind v0.33.0 go1.26.1 linux/amd64", False)]
)
def test_up_refuses_a_kind_older_than_the_node_images_release(stubs, repo, installed, refused):
    stubs.rule("kind version", stdout=installed + "\n")
    stubs.rule("kind get nodes", stdout=f"{NODE}\n")
    result = kind(stubs, repo, "up")
    assert (result.returncode == 1) == refused
    creates = [call for call in stubs.calls() if call.startswith("kind create cluster")]
    if refused:
        assert "kind v0.29.0 is older than v0.33.0, the release the node image kindest/node:v1.37.0" in result.stderr
        assert "Fix: install kind v0.33.0 or newer" in result.stderr and not creates
    else:
        assert creates


def test_a_failing_command_is_named_and_stops_the_run(stubs, repo):
    stubs.rule("kind create cluster", exit=1)
    result = kind(stubs, repo, "up")
    assert result.returncode == 1
    assert "`kind create cluster --name doc-router" in result.stderr and "failed" in result.stderr
    assert stubs.calls()[-1].startswith("kind create cluster")


# --- preflight ------------------------------------------------------------------


def test_preflight_names_each_missing_tool_with_how_to_install(tmp_path, repo):
    stubs = StubTools(tmp_path, tools=("docker", "kubectl", "git"))
    result = kind(stubs, repo, "up")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any("kind is not installed" in line and "https://kind.sigs.k8s.io" in line for line in lines)
    assert any("flux is not installed" in line and "https://fluxcd.io" in line for line in lines)
    assert not any("docker is not" in line or "kubectl is not" in line for line in lines)
    assert stubs.calls() == [DAEMON]  # nothing else ran


def test_preflight_reports_a_docker_daemon_that_does_not_answer(stubs, repo):
    stubs.rule("docker info", exit=1)
    result = kind(stubs, repo, "deploy")
    assert result.returncode == 1
    assert "Docker daemon does not answer" in result.stderr
    assert stubs.calls() == [DAEMON]


@pytest.mark.parametrize("command, needed", [("status", {"kubectl", "flux"}), ("secrets", {"kubectl"})])
def test_each_command_checks_only_what_it_uses(tmp_path, repo, command, needed):
    stubs = StubTools(tmp_path, tools=tuple(t for t in ALL_TOOLS if t not in needed))
    result = kind(stubs, repo, command)
    assert result.returncode == 1
    for tool in needed:
        assert f"{tool} is not installed" in result.stderr
    assert stubs.calls() == []


# --- secrets --------------------------------------------------------------------


def applied(stubs: StubTools) -> list[list[dict]]:
    return [list(yaml.safe_load_all(text)) for text in stubs.stdin_of(f"{CTX} apply")]


def decoded(manifest: dict) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in manifest["data"].items()}


def test_secrets_creates_age_key_namespaces_and_secrets(stubs, repo):
    result = kind(stubs, repo, "secrets")
    assert result.returncode == 0, result.stderr
    cache = repo / ".cache/kind/doc-router"
    apply = f"{CTX} apply --server-side --force-conflicts --field-manager=docrouter-kind-secrets -f -"
    assert stubs.calls() == [
        "kubectl config get-contexts kind-doc-router",
        apply,
        apply,
    ]
    namespaces, manifests = applied(stubs)
    assert [n["metadata"]["name"] for n in namespaces] == [c.FLUX_NAMESPACE, c.APP_NAMESPACE, c.MONGODB_NAMESPACE]
    by_name = {m["metadata"]["name"]: m for m in manifests}
    assert by_name["sops-age"]["metadata"]["namespace"] == "flux-system"
    age_key = (cache / "age.agekey").read_text()
    assert decoded(by_name["sops-age"]) == {"age.agekey": age_key}
    assert re.search(r"^# public key: age1\w+\nAGE-SECRET-KEY-1\w+\n\Z", age_key, flags=re.M)
    assert (cache / "age.agekey").stat().st_mode & 0o077 == 0
    generated = json.loads((cache / "generated-secrets.json").read_text())
    mongo = decoded(by_name[c.MONGODB_SECRET_NAME])
    assert by_name[c.MONGODB_SECRET_NAME]["metadata"]["namespace"] == c.MONGODB_NAMESPACE
    assert list(mongo) == list(c.MONGODB_SECRET_KEYS)
    assert mongo == {k: generated[k] for k in c.MONGODB_SECRET_KEYS}
    app = decoded(by_name[c.APP_SECRET_NAME])
    assert app["ADMIN_PASSWORD"] == "s3cret pass" and app["GROQ_API_KEY"] == "gsk"
    assert app["ADMIN_EMAIL"] == "me@example.com"
    assert "OPENAI_API_KEY" not in app  # empty means not set
    assert app["NEXTAUTH_SECRET"] == generated["NEXTAUTH_SECRET"]
    assert app["MONGODB_URI"] == (
        f"mongodb://docrouter:{generated['app-password']}@mongodb-0.mongodb-svc.mongodb.svc.cluster.local:27017/"
        "?replicaSet=mongodb&authSource=admin"
    )
    assert (cache / "generated-secrets.json").stat().st_mode & 0o077 == 0
    assert "s3cret" not in " ".join(stubs.calls())  # values travel on stdin only


def test_secrets_rerun_reuses_the_key_and_credentials(stubs, repo):
    assert kind(stubs, repo, "secrets").returncode == 0
    first = applied(stubs)
    assert kind(stubs, repo, "secrets").returncode == 0
    assert applied(stubs) == first


def test_secrets_without_env_file_says_how_to_create_it(stubs, repo):
    (repo / ".env.kind").unlink()
    result = kind(stubs, repo, "secrets")
    assert result.returncode == 1
    assert "cp .env.kind.example .env.kind" in result.stderr
    assert stubs.calls() == []


@pytest.mark.parametrize(
    "content, message",
    [
        ("ADMIN_PASSWORD=x\n", "set ADMIN_EMAIL"),
        ("ADMIN_EMAIL=a@b.c\nADMIN_PASSWORD=x\nOPENAI_KEY=x\n", ".env.kind:3: unknown key OPENAI_KEY"),
        ("ADMIN_EMAIL=a@b.c\nADMIN_PASSWORD=x\nMONGODB_URI=mongodb://x\n", "Remove MONGODB_URI from .env.kind"),
        ("ADMIN_EMAIL=a@b.c\nADMIN_EMAIL=d@e.f\n", "ADMIN_EMAIL is set twice"),
        ("just words\n", ".env.kind:1: expected KEY=VALUE"),
        ("ADMIN_EMAIL=a@b.c\nsk-live-0123456789abcdef\n", ".env.kind:2: expected KEY=VALUE"),
        (
            "ADMIN_EMAIL=a@b.c\n\nAGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS\n",
            ".env.kind:3: expected",
        ),
    ],
)
def test_secrets_rejects_a_wrong_env_file_before_touching_the_cluster(stubs, repo, content, message):
    (repo / ".env.kind").write_text(content)
    result = kind(stubs, repo, "secrets")
    assert result.returncode == 1
    assert message in result.stderr
    assert not [call for call in stubs.calls() if "apply" in call]
    # Errors name the line and key, never echo a value (a pasted credential).
    assert not re.search(r"sk-live|AGE-SECRET-KEY|a@b\.c|d@e\.f|mongodb://", result.stdout + result.stderr)


def test_secrets_makes_an_existing_credentials_file_private(stubs, repo):
    cache = repo / ".cache/kind/doc-router"
    cache.mkdir(parents=True)
    (cache / "generated-secrets.json").write_text("{}\n")
    (cache / "generated-secrets.json").chmod(0o644)  # e.g. copied in, or made by an older version
    assert kind(stubs, repo, "secrets").returncode == 0
    assert (cache / "generated-secrets.json").stat().st_mode & 0o777 == 0o600


def test_secrets_needs_the_cluster(stubs, repo):
    stubs.rule("kubectl config get-contexts", exit=1)
    result = kind(stubs, repo, "secrets")
    assert result.returncode == 1
    assert "make kind-up" in result.stderr


# --- deploy ---------------------------------------------------------------------

REVISION = "local@sha256:0123abcd"
COMMIT = "a" * 40


def deploy_stubs(stubs: StubTools, repo: Path, git: bool = True) -> None:
    if git:
        stubs.rule(f"git -C {repo} rev-parse HEAD", stdout=f"{COMMIT}\n")
        stubs.rule(
            f"git -C {repo} remote get-url origin", stdout="https://github.com/analytiq-hub/doc-router-platform.git\n"
        )
        stubs.rule(f"git -C {repo} rev-parse --abbrev-ref HEAD", stdout="kind\n")
    else:
        stubs.rule("git", exit=128)
    stubs.rule(f"{CTX} get ocirepository", stdout=REVISION)
    stubs.rule(
        KUSTOMIZATIONS,
        stdout=kustomizations(
            ("infra-controllers", REVISION, "True", "ReconciliationSucceeded"),
            ("apps", REVISION, "True", "ReconciliationSucceeded"),
        ),
    )


KUSTOMIZATIONS = f"{CTX} get kustomizations.kustomize.toolkit.fluxcd.io -n flux-system -o json"


def kustomizations(*rows: tuple[str, str, str, str]) -> str:
    """`kubectl get kustomizations -o json`: (name, lastAppliedRevision, Ready status, reason) per item."""
    return json.dumps(
        {
            "items": [
                {
                    "metadata": {"name": name},
                    "status": {
                        "lastAppliedRevision": applied,
                        "conditions": [
                            {"type": "Ready", "status": ready, "reason": reason, "message": f"{reason} message"}
                        ],
                    },
                }
                for name, applied, ready, reason in rows
            ]
        }
    )


def test_deploy_installs_flux_pushes_applies_and_waits(stubs, repo):
    deploy_stubs(stubs, repo)
    result = kind(stubs, repo, "deploy")
    assert result.returncode == 0, result.stderr
    calls = stubs.calls()
    reconcile = calls[9]  # one overall deadline: the reconcile gets what is left of the 15 minutes
    assert reconcile.startswith(
        "flux --context kind-doc-router reconcile source oci doc-router -n flux-system --timeout="
    )
    assert 800 < int(reconcile.rsplit("=", 1)[1].rstrip("s")) <= 900
    assert calls[:9] + calls[10:] == [
        DAEMON,
        "kubectl config get-contexts kind-doc-router",
        f"{CTX} get secret sops-age -n flux-system -o name",
        "flux --context kind-doc-router install --version=v2.8.8",
        f"git -C {repo} rev-parse HEAD",
        f"git -C {repo} remote get-url origin",
        f"git -C {repo} rev-parse --abbrev-ref HEAD",
        f"flux push artifact oci://localhost:5001/doc-router:local --path={repo}/dist/kind "
        f"--source=https://github.com/analytiq-hub/doc-router-platform.git --revision=kind@sha1:{COMMIT}",
        f"{CTX} apply -f {repo}/clusters/kind",
        f"{CTX} get ocirepository doc-router -n flux-system -o 'jsonpath={{.status.artifact.revision}}'",
        KUSTOMIZATIONS,
    ]
    assert "http://localhost/fastapi/docs" in result.stdout


def test_deploy_strips_credentials_from_the_remote_url(stubs, repo):
    token = "ghs_0123456789abcdefTOKEN"
    stubs.rule(f"git -C {repo} remote get-url origin", stdout=f"https://x-access-token:{token}@github.com/o/r.git\n")
    deploy_stubs(stubs, repo)
    result = kind(stubs, repo, "deploy")
    assert result.returncode == 0, result.stderr
    push = [call for call in stubs.calls() if call.startswith("flux push")]
    assert len(push) == 1 and "--source=https://github.com/o/r.git " in push[0]
    # Not on any command line (process list, OCI metadata), not printed.
    assert token not in " ".join(stubs.calls()) + result.stdout + result.stderr


def test_deploy_outside_git_uses_local_and_a_content_digest(stubs, repo):
    deploy_stubs(stubs, repo, git=False)
    assert kind(stubs, repo, "deploy", "--timeout", "5m").returncode == 0
    push = [call for call in stubs.calls() if call.startswith("flux push")]
    digest = content_digest(repo / "dist" / "kind")
    assert push == [
        f"flux push artifact oci://localhost:5001/doc-router:local --path={repo}/dist/kind "
        f"--source=local --revision=local@sha1:{digest}"
    ]
    (repo / "dist/kind/apps/frontend.yaml").write_text("kind: Deployment # changed\n")
    assert content_digest(repo / "dist" / "kind") != digest  # a change is a new revision


def test_deploy_without_secrets_says_run_kind_secrets(stubs, repo):
    stubs.rule(f"{CTX} get secret sops-age", exit=1)
    result = kind(stubs, repo, "deploy")
    assert result.returncode == 1
    assert "make kind-secrets" in result.stderr
    assert not [call for call in stubs.calls() if call.startswith("flux")]


def test_deploy_without_synthesized_flux_objects_says_run_synth(stubs, repo):
    (repo / "clusters/kind/source.yaml").unlink()
    (repo / "clusters/kind").rmdir()
    result = kind(stubs, repo, "deploy")
    assert result.returncode == 1
    assert "clusters/kind does not exist: run `make synth`" in result.stderr


def test_deploy_reports_progress_and_stops_at_one_overall_deadline(stubs, repo):
    stubs.rule(
        KUSTOMIZATIONS,
        stdout=kustomizations(
            ("infra-controllers", REVISION, "True", "ReconciliationSucceeded"),
            ("database", "older@sha1:0", "False", "HealthCheckFailed"),
        ),
    )
    deploy_stubs(stubs, repo)
    started = time.monotonic()
    result = kind(
        stubs, repo, "deploy", "--timeout", "6s"
    )  # room for the stubbed steps before the wait on a busy machine
    assert result.returncode == 1 and time.monotonic() - started < 20
    waiting = [line for line in result.stdout.splitlines() if line.startswith("waiting (")]
    assert (
        waiting
        and f"database has not applied {REVISION} yet (HealthCheckFailed: HealthCheckFailed message)" in waiting[0]
    )
    assert "infra-controllers" not in waiting[0]  # Ready on this revision: not listed
    assert "Flux is not Ready after --timeout 6s: database has not applied" in result.stderr


def test_deploy_refuses_a_timeout_that_is_not_a_duration(stubs, repo):
    result = kind(stubs, repo, "deploy", "--timeout", "15 minutes")
    assert result.returncode == 2 and "is not a duration such as 15m" in result.stderr and stubs.calls() == []


# --- status and down ------------------------------------------------------------


def test_status_lists_kustomizations_helmreleases_and_pods(stubs, repo):
    assert kind(stubs, repo, "status").returncode == 0
    assert stubs.calls() == [
        "kubectl config get-contexts kind-doc-router",
        "flux --context kind-doc-router get kustomizations -n flux-system",
        "flux --context kind-doc-router get helmreleases --all-namespaces",
        f"{CTX} get pods --all-namespaces",
    ]


def test_down_deletes_cluster_and_registry(stubs, repo):
    assert kind(stubs, repo, "down").returncode == 0
    assert stubs.calls() == [
        DAEMON,
        "kind delete cluster --name doc-router",
        "kind get clusters",
        "docker inspect --format '{{.Id}}' kind-registry",
        "docker rm --force kind-registry",
    ]


def test_down_keeps_the_registry_another_cluster_uses(stubs, repo):
    stubs.rule("kind get clusters", stdout="other\n")
    result = kind(stubs, repo, "down")
    assert result.returncode == 0
    assert "Keeping registry kind-registry" in result.stdout
    assert stubs.calls()[-1] == "kind get clusters"
