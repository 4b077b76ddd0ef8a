"""The platform's own hardening (issue 22): Pod Security per namespace, each level read from its charts."""

from __future__ import annotations

import pytest
import yaml

from conftest import ENVIRONMENTS, REPO, edit_environment, manifests_for
from docrouter import constants as c
from docrouter.config import load_environment
from docrouter.layers import LAYERS
from docrouter.platform.building_blocks import pull_policy
from docrouter.platform.flux_rbac import HEALTH_READS
from docrouter.pod_templates import containers
from docrouter.providers import PROVIDERS
from docrouter.synthesis.checks import SynthError
from docrouter.synthesis.grants import RESOURCES, check_layer_grants
from docrouter.synthesis.synth import render
from docrouter_tools.netflow.proof import prove_environment
from docrouter_tools.netflow.stages import read_tree

CONTROLLER_NAMESPACES = (c.INGRESS_NAMESPACE, c.CERT_MANAGER_NAMESPACE, c.MONGODB_OPERATOR_NAMESPACE)


def _levels(env: str) -> dict[str, str]:
    return {
        ns["metadata"]["name"]: ns["metadata"]["labels"].get("pod-security.kubernetes.io/enforce", "")
        for ns in manifests_for(env).of_kind("Namespace")
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_namespace_enforces_the_strictest_level_its_pods_pass(env):
    m = manifests_for(env)
    for ns in m.of_kind("Namespace"):
        labels = ns["metadata"]["labels"]
        level = labels["pod-security.kubernetes.io/enforce"]
        assert labels["pod-security.kubernetes.io/warn"] == labels["pod-security.kubernetes.io/audit"] == level
    expected_ingress = "privileged" if m.env.provider == "kind" else "restricted"
    assert _levels(env) == {
        name: expected_ingress if name == c.INGRESS_NAMESPACE else "restricted" for name in _levels(env)
    }


def test_kind_ingress_is_privileged_only_because_it_binds_host_ports():
    # Pod Security Standards, baseline "HostPorts": hostPort must be undefined or 0; ingress-nginx
    # helm-chart-4.13.7 templates/controller-deployment.yaml sets hostPort when controller.hostPort.enabled.
    values = manifests_for("kind").get("HelmRelease", "ingress-nginx")["spec"]["values"]["controller"]
    assert values["hostPort"] == {"enabled": True}
    for env in ("staging", "production"):
        assert "hostPort" not in manifests_for(env).get("HelmRelease", "ingress-nginx")["spec"]["values"]["controller"]


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if manifests_for(e).env.mongodb.mode == "in-cluster"])
def test_the_mongodb_operator_pod_passes_restricted(env):
    # mongodb-kubernetes 1.10.0 helm_chart/templates/operator.yaml renders operator.podSecurityContext and
    # operator.securityContext as given; the chart's default container context is empty (baseline only).
    operator = manifests_for(env).get("HelmRelease", "mongodb-kubernetes")["spec"]["values"]["operator"]
    pod, container = operator["podSecurityContext"], operator["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["allowPrivilegeEscalation"] is False and container["capabilities"] == {"drop": ["ALL"]}
    assert container["seccompProfile"] == {"type": "RuntimeDefault"}


# --- the controllers' namespaces: default deny plus their flows, proven by the flow engine ----------


def _failures(env: str, tree: dict[str, str]) -> dict[tuple[str, str], str]:
    provider = load_environment(env).provider
    return {(o.stage, o.flow.id): o.message() for o in prove_environment(env, provider, tree) if not o.holds}


CONTROLLER_FLOWS = (
    "internet-ingress",
    "controllers-kube-api",
    "controllers-kube-api-kind",
    "kube-api-ingress-webhook",
    "kube-api-cert-manager-webhook",
    "cert-manager-acme",
    "no-pod-to-quiet-controllers",
    "no-internet-quiet-controllers",
    "no-ingress-metrics",
    "no-app-kube-api",
)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_controller_flows_hold_at_every_stage(env):
    provider = load_environment(env).provider
    outcomes = [o for o in prove_environment(env, provider, read_tree(REPO, env)) if o.flow.id in CONTROLLER_FLOWS]
    assert outcomes and all(o.holds for o in outcomes), [o.message() for o in outcomes if not o.holds]
    proven = {o.flow.id for o in outcomes}
    api = "controllers-kube-api-kind" if provider == "kind" else "controllers-kube-api"
    assert {"internet-ingress", api, "no-pod-to-quiet-controllers"} <= proven
    if load_environment(env).tls:
        assert {"kube-api-cert-manager-webhook", "cert-manager-acme"} <= proven


def test_without_the_controller_policies_the_controllers_are_open_to_every_pod():
    tree = {
        path: text
        for path, text in read_tree(REPO, "production").items()
        if not any(f"/controllers/{ns}/networkpolicy-" in path for ns in CONTROLLER_NAMESPACES)
    }
    failures = _failures("production", tree)
    assert ("1-infra-controllers", "no-pod-to-quiet-controllers") in failures
    assert ("5-apps", "no-ingress-metrics") in failures


def test_cert_manager_without_acme_egress_is_caught():
    tree = read_tree(REPO, "staging")
    path = "dist/staging/infrastructure/controllers/cert-manager/networkpolicy-controller.yaml"
    policy = yaml.safe_load(tree[path])
    policy["spec"]["egress"] = []
    tree[path] = yaml.safe_dump(policy)
    assert ("1-infra-controllers", "cert-manager-acme") in _failures("staging", tree)


# --- Flux least privilege per layer ---------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_application_layers_run_as_their_own_service_account(env):
    # Flux multi-tenancy guide: a Kustomization's spec.serviceAccountName makes kustomize-controller
    # impersonate that account, so the layer can change only what the account's Roles allow.
    m = manifests_for(env)
    kustomizations = {k["metadata"]["name"]: k["spec"] for k in m.flux if k["kind"] == "Kustomization"}
    for name, spec in kustomizations.items():
        if name in ("infra-controllers", "infra-configs"):
            assert "serviceAccountName" not in spec  # cluster-scoped by nature: flux_rbac.py says why
            continue
        account = spec["serviceAccountName"]
        assert account == f"flux-{name}"
        assert m.get("ServiceAccount", account, c.FLUX_NAMESPACE)
        bindings = [b for b in m.of_kind("RoleBinding") if b["metadata"]["name"] == account]
        assert bindings and all(
            b["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": c.FLUX_NAMESPACE}]
            and b["roleRef"]["kind"] == "Role"
            for b in bindings
        )
        # Every object the layer ships is of a resource its Role in that namespace grants.
        layer = next(layer for layer in LAYERS if layer.name == name)
        for obj in m.by_layer.get(layer.path, []):
            group, resource = RESOURCES[obj["kind"]]
            role = m.get("Role", account, obj["metadata"]["namespace"])
            assert any(group in r["apiGroups"] and resource in r["resources"] for r in role["rules"]), obj["kind"]
            # Flux's health check lists what the workload generates, as the same account (flux_rbac.HEALTH_READS).
            for read_group, read in HEALTH_READS.get((group, resource), ()):
                assert any(
                    read_group in r["apiGroups"] and read in r["resources"] and {"list", "watch"} <= set(r["verbs"])
                    for r in role["rules"]
                ), f"{name} may not list {read} for its {obj['kind']}'s health check"
    assert not [r for r in m.objects if r["kind"] in ("ClusterRole", "ClusterRoleBinding")]


def test_an_object_outside_a_layer_grant_is_refused_at_synth():
    stray = {"kind": "Secret", "metadata": {"name": "x", "namespace": c.MONGODB_NAMESPACE}}
    with pytest.raises(SynthError, match=r"layer 'apps': Secret mongodb/x is outside what the layer's ServiceAccount"):
        check_layer_grants("staging", {"apps": [stray]})
    check_layer_grants("staging", {"apps": [{**stray, "kind": "Service", "metadata": {"namespace": c.APP_NAMESPACE}}]})


# --- image pinning and pull policy ------------------------------------------------------------------


def test_pull_policy_follows_how_the_image_is_pinned():
    digest = "sha256:" + "a" * 64
    assert pull_policy(f"ghcr.io/analytiq-hub/doc-router-backend:v43.0.0@{digest}") == "IfNotPresent"
    assert pull_policy("ghcr.io/analytiq-hub/doc-router-backend:v43.0.0") == "Always"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_container_we_define_pulls_by_its_pinning(env):
    for obj in manifests_for(env).objects:
        for _, container in containers(obj):
            assert container["imagePullPolicy"] == pull_policy(container["image"]), container["name"]


def test_an_environment_pinned_by_digest_ships_the_digest(env_dir):
    digest = "sha256:" + "b" * 64
    edit_environment(env_dir, "staging", lambda d: d["backend"].update(image_tag=f"v43.0.0@{digest}"))
    files = render(load_environment("staging", env_dir))
    backend = yaml.safe_load(files["apps/doc-router/deployment-backend.yaml"])
    (main,) = backend["spec"]["template"]["spec"]["containers"]
    assert main["image"] == f"ghcr.io/analytiq-hub/doc-router-backend:v43.0.0@{digest}"
    assert main["imagePullPolicy"] == "IfNotPresent"
    # The worker runs the backend image: pinned the same way.
    worker = yaml.safe_load(files["apps/doc-router/deployment-worker.yaml"])
    assert worker["spec"]["template"]["spec"]["containers"][0]["image"] == main["image"]


# --- the database's egress: the API server only where the provider puts it --------------------------


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if manifests_for(e).env.mongodb.mode == "in-cluster"])
def test_mongodb_reaches_the_api_server_only_in_the_providers_range(env):
    m = manifests_for(env)
    policy = m.get("NetworkPolicy", "mongodb", c.MONGODB_NAMESPACE)
    api = PROVIDERS[m.env.provider].api_server
    blocks = [rule for rule in policy["spec"]["egress"] if any("ipBlock" in peer for peer in rule["to"])]
    assert blocks == [
        {
            "to": [{"ipBlock": {"cidr": cidr}} for cidr in api.cidrs],
            "ports": [{"protocol": "TCP", "port": p} for p in api.ports],
        }
    ]
    if m.env.provider != "digitalocean":
        assert "0.0.0.0/0" not in api.cidrs


def test_a_database_open_to_the_internet_again_is_caught():
    tree = read_tree(REPO, "production")
    path = "dist/production/database/mongodb/networkpolicy-mongodb.yaml"
    policy = yaml.safe_load(tree[path])
    policy["spec"]["egress"].append(
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}
    )
    tree[path] = yaml.safe_dump(policy)
    assert ("3-database", "no-mongodb-internet") in _failures("production", tree)
