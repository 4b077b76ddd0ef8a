"""The real kustomize-controller reconciles every environment's clusters/<env>/ against the test API server:
dependsOn order and SOPS decryption everywhere; on staging also prune, healthCheckExprs (a Failed
MongoDBCommunity, a ClusterIssuer that is not Ready) and a wrong age key. helm-controller,
source-controller, cert-manager and the MongoDB operator are played (flux.PLAYED)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from cluster.api import Api
from cluster.environments import Cluster
from cluster.flux import ArtifactServer, Player, condition, kustomization, start_kustomize_controller, wait_for
from cluster.fluxsession import EnvironmentFlux, Revision, Runtime
from docrouter.config import environment_names
from docrouter_tools.secrets.agekeys import generate_identity

EVERY_ENVIRONMENT = pytest.mark.parametrize("env", environment_names(), scope="module")
STAGING = pytest.mark.parametrize("env", ["staging"], scope="module")
APPS_WORKER_POLICY = "doc-router/networkpolicy-worker.yaml"


@pytest.fixture(scope="module")
def runtime(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One kustomize-controller (and the played controllers) for every environment of this module."""
    if "kustomize-controller" not in cluster.plane.binaries:
        pytest.skip("cluster tier: no kustomize-controller: run `make control-plane`")
    api = Api(cluster.plane)
    server = ArtifactServer(tmp_path_factory.mktemp("artifacts"))
    player = Player(cluster, api).start()
    process = start_kustomize_controller(cluster.plane)
    try:
        yield Runtime(cluster, api, server, player)
    finally:
        player.stop()
        process.terminate()
        process.wait(timeout=15)
        server.close()


class Installed:
    def __init__(self, flux: EnvironmentFlux, revision: Revision, first: str):
        self.flux, self.revision, self.first = flux, revision, first


@pytest.fixture(scope="module")
def installed(env: str, runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """env's cluster after its first reconciliation was started (tests wait for what they need)."""
    flux = EnvironmentFlux(env, runtime, tmp_path_factory.mktemp(f"flux-{env}"))
    identity, recipient = generate_identity()
    revision = flux.install(identity, recipient)
    try:
        yield Installed(flux, revision, flux.current)
    finally:
        runtime.player.phase.clear()
        flux.uninstall()


@EVERY_ENVIRONMENT
def test_every_layer_becomes_ready_in_depends_on_order(installed: Installed) -> None:
    f = installed.flux
    order = f.wait_ready(f.names, installed.first)
    position = {name: i for i, name in enumerate(order)}
    for layer in f.layers:
        for dependency in layer.depends_on:
            assert position[dependency] < position[layer.name], order


@EVERY_ENVIRONMENT
def test_the_sops_secret_is_decrypted_with_the_cluster_key(installed: Installed) -> None:
    f = installed.flux
    f.wait_ready(["pre-deploy"], installed.first)
    assert f.secret_token() == "decrypted-by-flux"


@STAGING
def test_prune_removes_what_left_dist_and_leaves_the_database_alone(installed: Installed) -> None:
    f, revision = installed.flux, installed.revision
    f.wait_ready(f.names, f.current)
    database_before = f.k.run("get", "networkpolicies", "-n", "mongodb", "-o", "name").stdout.split()
    assert f.k.run("get", "networkpolicy", "worker", "-n", "doc-router", check=False).returncode == 0
    revision.drop_resource("apps", APPS_WORKER_POLICY)
    f.settle(revision)
    assert f.k.run("get", "networkpolicy", "worker", "-n", "doc-router", check=False).returncode != 0
    assert f.k.run("get", "networkpolicies", "-n", "mongodb", "-o", "name").stdout.split() == database_before
    assert database_before


@STAGING
@pytest.mark.xfail(
    reason="flaky in CI's clean-clone run (2026-12-05): the chain stopped as asserted, but after the played "
    "operator went back to Running the database layer stayed HealthCheckFailed for 120 s while the API server "
    "answered the player 429 'storage is (re)initializing'; passes when run alone",
    strict=False,
)
def test_a_failed_mongodb_stops_the_chain_through_health_check_exprs(installed: Installed) -> None:
    """database's `failed` expression makes kstatus report Failed, and kustomize-controller fails fast
    (ssa v0.61.0 manager_wait.go WaitForSetWithContext, FailFast) instead of waiting its 15 minutes."""
    f = installed.flux
    f.wait_ready(f.names, f.current)
    f.player.phase["MongoDBCommunity"] = "Failed"
    try:
        wait_for(lambda: f.player.is_played("MongoDBCommunity", "mongodb", "mongodb"), 10, "the operator's Failed")
        f.reconcile("database")
        failed = condition(f.api, "database") or {}
        assert (failed["status"], failed["reason"]) == ("False", "HealthCheckFailed"), failed
        assert (
            "failed early due to stalled resources: [MongoDBCommunity/mongodb/mongodb status: 'Failed']"
            in (failed["message"])
        )
        f.reconcile("pre-deploy")
        blocked = condition(f.api, "pre-deploy") or {}
        assert blocked["reason"] == "DependencyNotReady", blocked
        assert "dependency 'flux-system/database' is not ready" in blocked["message"]
    finally:
        f.player.phase.pop("MongoDBCommunity")
        wait_for(lambda: f.player.is_played("MongoDBCommunity", "mongodb", "mongodb"), 10, "the operator's Running")
        f.reconcile("database")
    f.wait_ready(f.names, f.current)  # the chain resumes once the database is Running again


@STAGING
def test_a_cluster_issuer_that_is_not_ready_blocks_apps(installed: Installed) -> None:
    """docs/environments.md: an issuer that never becomes Ready holds infra-configs and every later layer
    until its timeout. infra-configs' healthCheckExprs has no `failed`, so its wait runs on; each later
    layer waits for its dependency to be Ready at the source's revision (v1.7.3 kustomization_controller.go
    checkDependencies, "revision is not up to date")."""
    f = installed.flux
    f.wait_ready(f.names, f.current)
    before = f.current
    issuers = f.k.run("get", "clusterissuers", "-o", "name").stdout.split()
    assert issuers
    f.player.phase["ClusterIssuer"] = "Failed"
    try:
        names = [issuer.split("/")[1] for issuer in issuers]
        played = lambda: all(f.player.is_played("ClusterIssuer", "", n) for n in names)  # noqa: E731
        wait_for(played, 10, f"{names} not Ready")
        published = f.publish(installed.revision)

        def apps_blocked() -> bool:
            c = condition(f.api, "apps") or {}
            return c.get("reason") == "DependencyNotReady"

        wait_for(apps_blocked, 60, "apps waiting for its dependencies")
        # Longer than kustomize-controller's health-check poll (5 s) and its dependency requeue (1 s here).
        time.sleep(7)
        assert (condition(f.api, "infra-configs") or {})["status"] != "True"
        healthy = condition(f.api, "infra-configs", "Healthy") or {}
        assert healthy["status"] == "Unknown", healthy
        assert f"Running health checks for revision {published}" in healthy["message"], healthy
        apps = kustomization(f.api, "apps")["status"]
        assert apps["lastAppliedRevision"] == before
        assert condition(f.api, "apps")["reason"] == "DependencyNotReady"  # type: ignore[index]
    finally:
        f.player.phase.pop("ClusterIssuer")
    f.wait_ready(f.names, f.current)  # the issuer Ready again: the chain goes on without a new revision


@STAGING
def test_a_wrong_age_key_fails_the_layer_with_flux_s_message(installed: Installed) -> None:
    f = installed.flux
    f.wait_ready(f.names, f.current)
    _, stranger = generate_identity()
    wrong = f.publish(f.revision(stranger))
    try:

        def pre_deploy_failed() -> dict | None:
            status = kustomization(f.api, "pre-deploy").get("status", {})
            c = condition(f.api, "pre-deploy")
            attempted = status.get("lastAttemptedRevision") == wrong
            return c if attempted and c and c["status"] == "False" and "decrypt" in c["message"] else None

        failed = wait_for(pre_deploy_failed, 90, "pre-deploy failing to decrypt")
        assert "failed to decrypt and format 'doc-router/tier-test' Secret data" in str(failed)
    finally:
        f.settle(installed.revision)
    assert f.secret_token() == "decrypted-by-flux"
