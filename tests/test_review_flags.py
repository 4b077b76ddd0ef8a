"""Risk flags for changes made the way people make them: an environment-file edit synthesized for real
(review_trees.synthesized), or a construct edit, shown as the object it would now render."""

from __future__ import annotations

import pytest

from docrouter_tools.review.core import diff_manifests
from review_trees import edit, synthesized

DB = "dist/production/database/mongodb"
APPS = "dist/production/apps/doc-router"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return synthesized("production", None, tmp_path_factory.mktemp("env"))


def _flags(old, new) -> set[tuple[str, str]]:
    (env,) = [e for e in diff_manifests(old, new).envs if e.changes]
    return {(r.id, r.object.label()) for r in env.risks}


def _reasons(old, new, flag_id: str) -> str:
    return " ".join(r.reason + " " + r.action for r in diff_manifests(old, new).risks if r.id == flag_id)


def _config(tmp_path, change):
    return synthesized("production", change, tmp_path)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda c: c["mongodb"].update(storage_size="200Gi"), "grows"),
        (lambda c: c["mongodb"].update(storage_size="50Gi"), "never shrink"),
        (lambda c: c["storage"].update(name="doc-router-gp3-encrypted"), "storage class"),
    ],
)
def test_mongodb_storage_edits_are_refused_by_the_operators_update(base, tmp_path, change, words):
    new = _config(tmp_path, change)
    assert ("operator-immutable", "MongoDBCommunity mongodb/mongodb") in _flags(base, new)
    assert words in _reasons(base, new, "operator-immutable")


def test_search_storage_edit_flags_the_search_resource(base, tmp_path):
    new = _config(tmp_path, lambda c: c["mongodb"].update(search_storage_size="80Gi"))
    assert _flags(base, new) == {("operator-immutable", "MongoDBSearch mongodb/mongodb")}


def test_service_name_override_is_refused_by_the_operators_update(base):
    path = f"{DB}/mongodbcommunity-mongodb.yaml"
    new = edit(base, path, lambda d: d["spec"]["statefulSet"]["spec"].update(serviceName="mongodb-headless"))
    assert ("operator-immutable", "MongoDBCommunity mongodb/mongodb") in _flags(base, new)


def test_privileged_container_override_in_a_custom_resource_is_a_security_flag(base):
    def privileged(body):
        body["spec"]["statefulSet"]["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {
            "privileged": True,
            "capabilities": {"add": ["SYS_ADMIN"]},
        }

    new = edit(base, f"{DB}/mongodbcommunity-mongodb.yaml", privileged)
    assert _flags(base, new) == {("security", "MongoDBCommunity mongodb/mongodb")}
    assert "spec.statefulSet.spec.template: container mongod runs privileged" in _reasons(base, new, "security")


def _paths(body):
    return body["spec"]["rules"][0]["http"]["paths"]


def test_renamed_ingress_path_sends_the_backend_traffic_to_the_frontend(base):
    new = edit(base, f"{APPS}/ingress-doc-router.yaml", lambda d: _paths(d)[0].update(path="/api"))
    assert _flags(base, new) == {("ingress-path", "Ingress doc-router/doc-router")}
    reasons = _reasons(base, new, "ingress-path")
    assert "app.docrouter.ai/fastapi: backend:8000 → frontend:3000" in reasons
    assert "app.docrouter.ai/api: frontend:3000 → backend:8000" in reasons


def test_path_type_exact_stops_matching_sub_paths(base):
    new = edit(base, f"{APPS}/ingress-doc-router.yaml", lambda d: _paths(d)[0].update(pathType="Exact"))
    assert "app.docrouter.ai/fastapi/x: backend:8000 → frontend:3000" in _reasons(base, new, "ingress-path")


def _backend_container(body):
    return body["spec"]["template"]["spec"]["containers"][0]


def test_removed_or_weakened_readiness_probe_is_flagged(base):
    removed = edit(base, f"{APPS}/deployment-backend.yaml", lambda d: _backend_container(d).pop("readinessProbe"))
    assert _flags(base, removed) == {("probe", "Deployment doc-router/backend")}
    assert "zero-downtime" in _reasons(base, removed, "probe")
    slower = edit(
        base,
        f"{APPS}/deployment-backend.yaml",
        lambda d: _backend_container(d)["readinessProbe"].update(failureThreshold=30),
    )
    assert "weakened" in _reasons(base, slower, "probe")


KUSTOMIZATION = "clusters/production/pre-deploy.yaml"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s.update(prune=False), "prune turned off"),
        (lambda s: s.pop("wait"), "wait removed"),
        (lambda s: s.update(suspend=True), "suspend: true"),
        (lambda s: s.pop("dependsOn"), "no longer waits for database"),
        (lambda s: s.pop("decryption"), "decryption removed"),
        (lambda s: s.update(path="./dist/staging/pre-deploy"), "path changed"),
        (lambda s: s["sourceRef"].update(name="other"), "sourceRef changed"),
        (lambda s: s.update(timeout="5m"), "shorter than the migration Job's 600s deadline"),
    ],
)
def test_flux_kustomization_changes_that_stop_or_misorder_deploys(base, change, words):
    new = edit(base, KUSTOMIZATION, lambda d: change(d["spec"]))
    assert _flags(base, new) >= {("flux-kustomization", "Kustomization flux-system/pre-deploy")}
    assert words in _reasons(base, new, "flux-kustomization")


def test_staging_issuer_pointed_at_the_production_ca(base):
    path = "dist/production/infrastructure/configs/cluster-scoped/clusterissuer-letsencrypt-staging.yaml"
    production = "https://acme-v02.api.letsencrypt.org/directory"
    new = edit(base, path, lambda d: d["spec"]["acme"].update(server=production))
    assert _flags(base, new) == {("cluster-issuer", "ClusterIssuer letsencrypt-staging")}
    assert "ACME server staging → production" in _reasons(base, new, "cluster-issuer")


def test_helm_chart_major_bump_and_crd_policy_change(base):
    # metrics-server: a chart without a network-flow fixture, so the bump raises only its own flag (a chart
    # with one, cert-manager say, also raises network-flow until its pod labels are re-read: runtime.py).
    path = "dist/production/infrastructure/controllers/kube-system/helmrelease-metrics-server.yaml"
    bumped = edit(base, path, lambda d: d["spec"]["chart"]["spec"].update(version="4.0.0"))
    assert _flags(base, bumped) == {("helm-release", "HelmRelease kube-system/metrics-server")}
    skipped = edit(base, path, lambda d: d["spec"]["upgrade"].update(crds="Skip"))
    assert "upgrade.crds policy CreateReplace → Skip" in _reasons(base, skipped, "helm-release")
    patch = edit(base, path, lambda d: d["spec"]["chart"]["spec"].update(version="3.13.2"))
    assert _flags(base, patch) == set()


def test_removed_environment_is_one_flag_that_says_everything_is_pruned(base):
    flags = _flags(base, {})
    assert ("environment-removed", "Environment production") in flags
    assert "Flux prunes every layer" in _reasons(base, {}, "environment-removed")


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["frontend"].update(replicas=3),
        lambda c: c["backend"].update(image_tag="v43.1.0"),
        lambda c: None,  # the file rewritten without its comments: nothing renders differently
    ],
)
def test_harmless_environment_edits_get_no_flag(base, tmp_path, change):
    new = _config(tmp_path, change)
    assert diff_manifests(base, new).risks == []


def test_run_as_root_in_an_override_only_when_the_override_says_so(base):
    def context(settings):
        def change(body):
            container = body["spec"]["statefulSet"]["spec"]["template"]["spec"]["containers"][1]
            container["securityContext"] = settings

        return change

    path = f"{DB}/mongodbcommunity-mongodb.yaml"
    assert _flags(base, edit(base, path, context({"readOnlyRootFilesystem": True}))) == set()
    root = edit(base, path, context({"runAsNonRoot": False}))
    assert "container mongodb-agent may run as root" in _reasons(base, root, "security")
