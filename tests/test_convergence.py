"""A first install converges: each test encodes a rule of the real system it names.

Let's Encrypt (boulder policy.ValidEmail), the providers' shipped objects (providers.py),
doc-router's release workflow, Flux's wait, the MongoDB operator's CRDs and behaviour,
ingress-nginx's proxy protocol. A failure here means a cluster would not reach the apps layer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ENVIRONMENTS, REPO, edit_environment, manifests_for, refused_environment
from docrouter import constants as c
from docrouter.config import load_environment
from docrouter.providers import PROVIDERS
from docrouter.quantities import parse as parse_quantity
from docrouter_tools.secrets.catalog import APP_SECRET_KEYS

ENV_DIR = REPO / "environments"


def accepted(env_dir: Path, name: str, change):
    edit_environment(env_dir, name, change)
    return load_environment(name, env_dir)


refused = refused_environment


# --- Let's Encrypt: contacts and names it refuses ---------------------------------------


@pytest.mark.parametrize("email", ["ops@example.com", "ops@EXAMPLE.org", "ops@example.net", "ops@team.test"])
def test_lets_encrypt_refuses_reserved_contact_domains(env_dir, email):
    message = refused(env_dir, "staging", lambda d: d.update(acme_email=email))
    assert "environment 'staging'" in message and "acme_email" in message and "Let's Encrypt" in message


def test_a_tls_host_under_a_documentation_domain_is_refused(env_dir):
    message = refused(env_dir, "production", lambda d: d["ingress"].update(host="app.docrouter.example.com"))
    assert "ingress.host" in message and "RFC 2606" in message


def test_tls_needs_a_contact(env_dir):
    message = refused(env_dir, "staging", lambda d: d.pop("acme_email"))
    assert "acme_email is required" in message


def test_cert_manager_and_its_issuers_exist_exactly_where_tls_is_on(manifests):
    tls = manifests.env.tls
    assert bool(manifests.of_kind("ClusterIssuer")) == tls
    assert any(r["metadata"]["name"] == "cert-manager" for r in manifests.of_kind("HelmRelease")) == tls
    layers = {k["metadata"]["name"] for k in manifests.flux if k["kind"] == "Kustomization"}
    assert ("infra-configs" in layers) == tls
    assert any(not load_environment(name).tls for name in ENVIRONMENTS), "one environment must exercise plain HTTP"


# --- objects the provider ships ------------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_shipped_storage_class_is_redefined_with_other_immutable_fields(env):
    m = manifests_for(env)
    shipped = PROVIDERS[m.env.provider].storage_classes
    for sc in m.of_kind("StorageClass"):
        theirs = shipped.get(sc["metadata"]["name"])
        if theirs is not None:
            assert (
                sc["provisioner"],
                sc.get("reclaimPolicy"),
                sc.get("volumeBindingMode"),
                sc.get("parameters", {}),
            ) == (theirs.provisioner, theirs.reclaim_policy, theirs.volume_binding_mode, theirs.parameters)
    # The class MongoDB uses exists on an empty cluster: shipped, or defined in the first layer.
    defined = {sc["metadata"]["name"] for sc in m.of_kind("StorageClass")}
    assert m.env.storage.name in defined | set(shipped)


def test_redefining_doks_retain_class_with_other_binding_mode_is_refused(env_dir):
    message = refused(
        env_dir,
        "staging",
        lambda d: d["storage"].update(
            provisioner="dobs.csi.digitalocean.com", reclaim_policy="Retain", volume_binding_mode="WaitForFirstConsumer"
        ),
    )
    assert "storage.name 'do-block-storage-retain'" in message and "doc-router-do-block-storage-retain" in message


def test_a_class_synth_creates_under_a_common_name_is_refused(env_dir):
    # Many EKS setups create `gp3` themselves; StorageClass parameters are immutable
    # (kubernetes.io/docs/concepts/storage/storage-classes: "cannot be updated once created").
    message = refused(env_dir, "production", lambda d: d["storage"].update(name="gp3"))
    assert "storage.name 'gp3'" in message and "Name it doc-router-gp3" in message


def test_a_storage_class_the_provider_does_not_ship_must_be_defined(env_dir):
    message = refused(env_dir, "staging", lambda d: d.update(storage={"name": "gp3"}))
    assert "not a StorageClass digitalocean ships" in message and "do-block-storage-retain" in message


# --- images doc-router publishes -------------------------------------------------------------

# .github/workflows/release.yml in analytiq-hub/doc-router: tags 'v[0-9]*.[0-9]*.[0-9]*' build
# ghcr.io/analytiq-hub/doc-router-{frontend,backend}:<tag>.
PUBLISHED = re.compile(r"^ghcr\.io/analytiq-hub/doc-router-(frontend|backend):v\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_app_images_use_tags_the_release_workflow_publishes(env):
    images = [ct["image"] for _, t in manifests_for(env).pod_templates() for ct in t["spec"]["containers"]]
    assert images and all(PUBLISHED.match(image) for image in images), images


@pytest.mark.parametrize("tag", ["0.1.0", "latest", "v1.2", "v1.2.3-rc.1", "v01.2.3", "v1.2.3@sha256:abc"])
def test_tags_doc_router_never_publishes_are_refused(env_dir, tag):
    message = refused(env_dir, "staging", lambda d: d["backend"].update(image_tag=tag))
    assert "field 'backend.image_tag'" in message and "v43.0.0" in message


def test_a_digest_pins_the_exact_image(env_dir):
    digest = "v43.0.0@sha256:" + "a" * 64
    assert accepted(env_dir, "staging", lambda d: d["backend"].update(image_tag=digest)).backend.image_tag == digest


# --- the migration Job under Flux's wait -------------------------------------------------------


def _seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)([smh])", duration)
    assert match, duration
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600}[match[2]]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_flux_waits_longer_than_the_migration_may_run(env):
    m = manifests_for(env)
    (job,) = m.of_kind("Job")
    spec = job["spec"]
    assert spec["backoffLimit"] >= 1 and spec["ttlSecondsAfterFinished"] > 0
    pre_deploy = next(k for k in m.flux if k["kind"] == "Kustomization" and k["metadata"]["name"] == "pre-deploy")
    # Otherwise Flux reports a timeout while the Job still runs, and the next apply races it.
    assert _seconds(pre_deploy["spec"]["timeout"]) > spec["activeDeadlineSeconds"]
    # A finished Job must outlive many reconciliations, or Flux re-runs the migration each interval.
    assert spec["ttlSecondsAfterFinished"] > 100 * _seconds(pre_deploy["spec"]["interval"])


def test_raising_the_attempt_gives_the_job_a_new_name(env_dir, monkeypatch):
    from docrouter.migration_names import migration_job_name

    env = accepted(env_dir, "staging", lambda d: d.update(migration={"attempt": 2}))
    first = migration_job_name(env.backend.image_tag, 1)
    second = migration_job_name(env.backend.image_tag, env.migration.attempt)
    assert first != second and second.startswith(first)
    assert "migration.attempt" in refused(env_dir, "staging", lambda d: d.update(migration={"attempt": 0}))


# --- MongoDB through MongoDB's operator ----------------------------------------------------------


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if load_environment(e).in_cluster_mongodb])
def test_mongodb_resources_are_valid_for_the_operators_crds(env, crd_schemas):
    m = manifests_for(env)
    for group, kind in (("mongodbcommunity.mongodb.com", "MongoDBCommunity"), ("mongodb.com", "MongoDBSearch")):
        schema = json.loads((crd_schemas / group / f"{kind.lower()}_v1.json").read_text())
        obj = m.get(kind, c.MONGODB_NAME, c.MONGODB_NAMESPACE)
        jsonschema.validate(obj, schema)
        # Strict: a misspelt field is an error, not silently ignored.
        broken = {**obj, "spec": {**obj["spec"], "memebers": 3}}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if load_environment(e).in_cluster_mongodb])
def test_the_operator_gets_what_search_needs(env):
    m = manifests_for(env)
    db = m.get("MongoDBCommunity", c.MONGODB_NAME, c.MONGODB_NAMESPACE)["spec"]
    search = m.get("MongoDBSearch", c.MONGODB_NAME, c.MONGODB_NAMESPACE)["spec"]
    # searchcontroller/community_search_source.go Validate(): version >= 8.2.0 and SCRAM enabled.
    assert tuple(int(x) for x in db["version"].split(".")[:2]) >= (8, 2)
    assert "SCRAM" in db["security"]["authentication"]["modes"]
    # mongot syncs as a user of the replica set holding searchCoordinator.
    sync = next(u for u in db["users"] if u["name"] == search["source"]["username"])
    assert {"name": "searchCoordinator", "db": "admin"} in sync["roles"]
    assert sync["passwordSecretRef"] == search["source"]["passwordSecretRef"]
    # More than one mongot needs a load balancer (validateMultipleReplicasRequireLB).
    assert all(cl.get("replicas", 1) == 1 or cl.get("loadBalancer") for cl in search["clusters"])
    # Every password the operator reads is a key the credentials Secret carries.
    keys = {u["passwordSecretRef"]["key"] for u in db["users"]}
    assert keys == set(c.MONGODB_SECRET_KEYS)


@pytest.mark.parametrize("env", [e for e in ENVIRONMENTS if load_environment(e).in_cluster_mongodb])
def test_the_operator_is_installed_before_its_resources_and_watches_only_them(env):
    m = manifests_for(env)
    release = m.get("HelmRelease", "mongodb-kubernetes")
    assert m.layer_of("HelmRelease", "mongodb-kubernetes") == "infrastructure/controllers"
    assert m.layer_of("MongoDBCommunity", c.MONGODB_NAME) == "database"
    chart = release["spec"]["chart"]["spec"]
    assert (chart["chart"], chart["version"]) == ("mongodb-kubernetes", "1.9.1")
    operator = release["spec"]["values"]["operator"]
    assert operator["watchNamespace"] == c.MONGODB_NAMESPACE
    assert sorted(operator["watchedResources"]) == ["mongodbcommunity", "mongodbsearch"]
    # Flux's wait judges both by status.phase (they report no Ready condition).
    database = next(k for k in m.flux if k["kind"] == "Kustomization" and k["metadata"]["name"] == "database")
    assert {h["kind"] for h in database["spec"]["healthCheckExprs"]} == {"MongoDBCommunity", "MongoDBSearch"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_no_hand_written_replica_set_bootstrap_is_left(env):
    m = manifests_for(env)
    text = "\n".join(yaml.safe_dump(o) for o in m.objects)
    for marker in ("rs.initiate", "mongosh", "--replSet", "mongot.yml"):
        assert marker not in text
    assert not [
        o
        for o in m.objects
        if o["kind"] in ("StatefulSet", "ConfigMap") and o["metadata"].get("namespace") == c.MONGODB_NAMESPACE
    ]


# --- the edge: forwarded headers, start-up, uploads -------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_clients_cannot_spoof_forwarded_headers(env):
    values = manifests_for(env).get("HelmRelease", "ingress-nginx")["spec"]["values"]["controller"]
    config = values.get("config", {})
    assert config.get("use-forwarded-headers") != "true"
    annotations = values.get("service", {}).get("annotations", {})
    proxy_lb = annotations.get("service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol") == "true"
    # Both ends must agree, or every request fails (nginx expects or rejects the PROXY header).
    assert proxy_lb == (config.get("use-proxy-protocol") == "true")
    provider = manifests_for(env).env.provider
    if provider == "digitalocean":
        assert proxy_lb and annotations["service.beta.kubernetes.io/do-loadbalancer-hostname"]
    if provider == "aws":
        assert values["service"]["externalTrafficPolicy"] == "Local"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_backend_starts_slowly_without_being_killed_and_has_room_for_uploads(env):
    m = manifests_for(env)
    backend = m.get("Deployment", "backend", c.APP_NAMESPACE)["spec"]["template"]["spec"]
    (container,) = backend["containers"]
    startup = container["startupProbe"]
    # doc-router's chart gives the backend 60 s before liveness; the startup probe allows more.
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60
    body = m.get("Ingress", "doc-router", c.APP_NAMESPACE)["metadata"]["annotations"][
        "nginx.ingress.kubernetes.io/proxy-body-size"
    ]
    for name in ("backend", "worker"):
        deployment = m.find("Deployment", name)
        if deployment is None:
            continue
        tmp = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "tmp")
        # The upload and its LibreOffice conversion both live in /tmp.
        size, upload = parse_quantity(tmp["emptyDir"]["sizeLimit"]), parse_quantity(body.upper().replace("M", "Mi"))
        assert size is not None and upload is not None, (tmp, body)
        assert size >= 2 * upload


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_autoscaler_has_a_metrics_server(env):
    m = manifests_for(env)
    if not m.of_kind("HorizontalPodAutoscaler"):
        return
    shipped = m.env.cluster.ships_metrics_server
    installed = any(r["metadata"]["name"] == "metrics-server" for r in m.of_kind("HelmRelease"))
    assert shipped or installed
    assert not (shipped and installed), "two metrics-servers would fight over the metrics API"


def test_cloud_environments_must_have_aws_credentials_for_the_app():
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        key = next(k for k in APP_SECRET_KEYS if k.name == name)
        assert all(key.required_on(provider) != provider.is_local for provider in PROVIDERS.values())
