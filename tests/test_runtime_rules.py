"""What a running cluster needs from dist/, each rule read from its upstream source (issue 22)."""

from __future__ import annotations

import re

import pytest

from conftest import ENVIRONMENTS, REPO, manifests_for
from docrouter.capacity import capacity_table, environment_capacity
from docrouter.config import load_environment
from docrouter.platform.infrastructure import MONGODB_WEBHOOK_RESOURCES, mongodb_operator_values
from docrouter.providers import OWN_STORAGE_CLASS_PREFIX, PROVIDERS


def _ingress_service(env: str) -> dict:
    return manifests_for(env).get("HelmRelease", "ingress-nginx")["spec"]["values"]["controller"]["service"]


def test_production_load_balancer_is_internet_facing_under_either_aws_controller():
    # aws-load-balancer-controller docs/guide/service/nlb.md ("secure by default", v2.2.0+): without
    # the scheme annotation the controller provisions an internal NLB, which HTTP-01 cannot reach.
    annotations = _ingress_service("production")["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] == "internet-facing"
    # Instance targets: externalTrafficPolicy Local keeps the client address under both controllers.
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"] == "instance"
    assert _ingress_service("production")["externalTrafficPolicy"] == "Local"


def test_every_storage_class_synth_creates_has_a_name_no_provider_ships():
    # StorageClass parameters are immutable (kubernetes.io/docs/concepts/storage/storage-classes), so a
    # class of the same name created earlier by the provider or the cluster's setup would fail our apply.
    for env in ENVIRONMENTS:
        created = [sc["metadata"]["name"] for sc in manifests_for(env).of_kind("StorageClass")]
        shipped = {name for provider in PROVIDERS.values() for name in provider.storage_classes}
        assert all(name.startswith(OWN_STORAGE_CLASS_PREFIX) and name not in shipped for name in created), created
    assert manifests_for("production").env.storage.name == "doc-router-gp3"


def _health_checks(env: str, layer: str) -> dict[str, dict]:
    kustomization = next(k for k in manifests_for(env).flux if k["metadata"]["name"] == layer)
    return {check["kind"]: check for check in kustomization["spec"].get("healthCheckExprs", [])}


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if load_environment(e).tls])
def test_a_cluster_issuer_that_never_becomes_ready_holds_the_configs_layer(env):
    # kstatus (cli-utils pkg/kstatus/status/generic.go) ignores Ready=False on a kind without
    # status.observedGeneration or Reconciling/Stalled, which is cert-manager's IssuerStatus.
    check = _health_checks(env, "infra-configs")["ClusterIssuer"]
    assert check["apiVersion"] == "cert-manager.io/v1"
    assert "e.type == 'Ready'" in check["current"] and "e.status == 'True'" in check["current"]
    assert "e.observedGeneration == metadata.generation" in check["current"]  # not a stale Ready
    assert "failed" not in check  # a first ACME registration may fail and be retried: the timeout decides
    assert manifests_for(env).layer_of("ClusterIssuer", "letsencrypt-prod") == "infrastructure/configs"


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if load_environment(e).mongodb.mode == "in-cluster"])
def test_mongodb_search_waiting_for_its_source_does_not_end_the_database_wait(env):
    # mongodbsearch_controller.go (mongodb-kubernetes 1.10.0) sets phase Failed with "Waiting for
    # MongoDB source" while the replica set starts: only the layer's timeout may end that wait.
    checks = _health_checks(env, "database")
    assert "failed" not in checks["MongoDBSearch"] and "'Running'" in checks["MongoDBSearch"]["current"]
    assert "'Failed'" in checks["MongoDBCommunity"]["failed"]


@pytest.mark.parametrize("env", ["staging", "production"])
def test_what_keeps_the_database_volumes_is_the_default_and_a_retaining_class(env):
    m = manifests_for(env)
    statefulset = m.get("MongoDBCommunity", "mongodb", "mongodb")["spec"]["statefulSet"]["spec"]
    # Dropped by the operator's merge (mongodb-kubernetes 1.10.0 pkg/util/merge/merge_statefulset.go):
    # unset, a StatefulSet retains its claims on delete and scale-down (apps/v1 defaults).
    assert "persistentVolumeClaimRetentionPolicy" not in statefulset
    created = {sc["metadata"]["name"]: sc["reclaimPolicy"] for sc in m.of_kind("StorageClass")}
    shipped = {name: sc.reclaim_policy for name, sc in PROVIDERS[m.env.provider].storage_classes.items()}
    assert {**shipped, **created}[m.env.storage.name] == "Retain"


def test_the_operator_webhook_stays_unregistered_only_while_no_watched_kind_has_one():
    # mongodb-kubernetes 1.10.0 main.go: watching mongodb, opsmanagers or mongodbmulticluster starts the
    # webhook server, whose certificate pkg/webhook/setup.go writes only when registerConfiguration is true.
    values = mongodb_operator_values()["operator"]
    assert values["webhook"]["registerConfiguration"] is False
    assert not MONGODB_WEBHOOK_RESOURCES.intersection(values["watchedResources"])
    with pytest.raises(ValueError, match=r"would watch mongodb, which its webhook serves"):
        mongodb_operator_values(("mongodbcommunity", "mongodb"))


def test_bootstrap_states_the_minimum_node_pool_computed_from_dist():
    doc = (REPO / "docs/bootstrap.md").read_text()
    section = re.search(r"<!-- capacity:begin -->\n(.*?)\n<!-- capacity:end -->", doc, re.S)
    assert section, "docs/bootstrap.md lacks the <!-- capacity:begin --> … <!-- capacity:end --> table"
    expected = capacity_table(REPO / "dist", sorted(ENVIRONMENTS))
    assert section.group(1) == expected, f"docs/bootstrap.md capacity table is stale; expected:\n{expected}"


def test_capacity_counts_the_database_and_the_controllers():
    production = environment_capacity(REPO / "dist/production")
    # 3 members × (mongod 1 CPU + agent 50m) + mongot 500m + the operator's 500m (chart default)
    # + 2 × ingress-nginx 100m + metrics-server 100m + Flux 350m: 4.3 cores before the app.
    assert production.cpu >= 4.3 and production.peak_cpu > production.cpu
