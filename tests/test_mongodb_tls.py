"""MongoDB's TLS (docrouter/mongodb_tls.py), read from the synthesized YAML: on wherever cert-manager issues
certificates and MongoDB runs in the cluster, every name consistent between cert-manager, the operator's
resources and the app's pods; Kind stays plain."""

from __future__ import annotations

import shutil

import pytest
import yaml

from conftest import REPO, manifests_for
from docrouter import constants as c
from docrouter import mongodb_tls as tls
from docrouter.config import ConfigError, load_environment
from docrouter.layers import LAYERS
from docrouter_tools.review.core import diff_manifests
from docrouter_tools.validate.engine import validate_environment
from docrouter_tools.validate.model import ERROR
from review_trees import edit, synthesized

TLS_ENVIRONMENTS = ("staging", "production")
APP_PODS = (("Deployment", c.FRONTEND), ("Deployment", c.BACKEND), ("Deployment", c.WORKER))


def _meta(obj: dict) -> tuple[str | None, str]:
    return obj["metadata"].get("namespace"), obj["metadata"]["name"]


def _certificates(m) -> dict[tuple[str | None, str], dict]:
    """Secret (namespace, name) → the Certificate cert-manager writes it for."""
    return {(cert["metadata"]["namespace"], cert["spec"]["secretName"]): cert for cert in m.of_kind("Certificate")}


def _app_pods(m) -> list[tuple[str, dict]]:
    pods = [(name, m.get(kind, name, c.APP_NAMESPACE)["spec"]["template"]["spec"]) for kind, name in APP_PODS]
    job = next(o for o in m.of_kind("Job") if o["metadata"]["namespace"] == c.APP_NAMESPACE)
    return [*pods, (job["metadata"]["name"], job["spec"]["template"]["spec"])]


@pytest.mark.parametrize("name", TLS_ENVIRONMENTS)
def test_replica_set_and_mongot_require_tls_with_secrets_cert_manager_writes(name):
    m = manifests_for(name)
    issued = _certificates(m)
    community = m.get("MongoDBCommunity", c.MONGODB_NAME, c.MONGODB_NAMESPACE)
    community_tls = community["spec"]["security"]["tls"]
    assert community_tls["enabled"] is True and community_tls["optional"] is False
    search_tls = m.get("MongoDBSearch", c.MONGODB_NAME, c.MONGODB_NAMESPACE)["spec"]["security"]["tls"]
    for ref in (
        community_tls["certificateKeySecretRef"],
        community_tls["caCertificateSecretRef"],
        search_tls["certificateKeySecretRef"],
    ):
        assert (c.MONGODB_NAMESPACE, ref["name"]) in issued, f"{name}: Secret {ref['name']} is no Certificate's output"
    # The server certificate covers every member the operator names in its hosts, and the Service.
    server = issued[(c.MONGODB_NAMESPACE, community_tls["certificateKeySecretRef"]["name"])]
    service = f"{c.MONGODB_SERVICE}.{c.MONGODB_NAMESPACE}.svc.cluster.local"
    members = [f"{c.MONGODB_NAME}-{i}.{service}" for i in range(community["spec"]["members"])]
    assert set(members) | {service} <= set(server["spec"]["dnsNames"])
    assert "server auth" in server["spec"]["usages"]
    # mongot's certificate covers the host mongod dials (mongotHostAndPort: pod 0 of search cluster 0).
    search = issued[(c.MONGODB_NAMESPACE, search_tls["certificateKeySecretRef"]["name"])]
    search_service = f"{c.MONGOT_POD_LABELS['app']}.{c.MONGODB_NAMESPACE}.svc.cluster.local"
    assert f"{c.MONGODB_NAME}-search-0-0.{search_service}" in search["spec"]["dnsNames"]


@pytest.mark.parametrize("name", TLS_ENVIRONMENTS)
def test_every_certificate_chains_to_one_ca_through_issuers_that_exist(name):
    m = manifests_for(name)
    issuers = {("Issuer", *_meta(o)) for o in m.of_kind("Issuer")}
    issuers |= {("ClusterIssuer", None, o["metadata"]["name"]) for o in m.of_kind("ClusterIssuer")}
    for cert in m.of_kind("Certificate"):
        ref = cert["spec"]["issuerRef"]
        namespace = cert["metadata"]["namespace"] if ref["kind"] == "Issuer" else None
        assert (ref["kind"], namespace, ref["name"]) in issuers, f"{name}: {cert['metadata']['name']} issuer"
        assert ref["group"] == "cert-manager.io"
    ca = m.get("Certificate", tls.CA_CERTIFICATE, c.CERT_MANAGER_NAMESPACE)["spec"]
    assert ca["isCA"] is True and ca["privateKey"]["rotationPolicy"] == "Never"
    # The CA ClusterIssuer reads the CA keypair from cert-manager's own namespace (cluster resource namespace).
    ca_issuer = m.get("ClusterIssuer", tls.CA_ISSUER)["spec"]["ca"]
    assert (c.CERT_MANAGER_NAMESPACE, ca_issuer["secretName"]) in _certificates(m)
    leaves = [o for o in m.of_kind("Certificate") if not o["spec"].get("isCA")]
    assert {o["spec"]["issuerRef"]["name"] for o in leaves} == {tls.CA_ISSUER}


@pytest.mark.parametrize("name", TLS_ENVIRONMENTS)
def test_app_pods_mount_only_the_ca_and_their_uri_says_tls(name):
    m = manifests_for(name)
    client_secret = next(s for ns, s in _certificates(m) if ns == c.APP_NAMESPACE)
    for pod_name, spec in _app_pods(m):
        volumes = [v for v in spec["volumes"] if "secret" in v]
        assert [v["secret"]["secretName"] for v in volumes] == [client_secret], pod_name
        assert volumes[0]["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}], pod_name
        (main,) = spec["containers"]
        mount = next(m for m in main["volumeMounts"] if m["name"] == volumes[0]["name"])
        uri = next(e["value"] for e in main["env"] if e["name"] == "MONGODB_URI")
        # The Secret's URI (envFrom) expanded by the kubelet, then the TLS options with the mounted CA.
        assert uri.startswith("$(MONGODB_URI)&"), pod_name
        assert "tls=true" in uri and f"tlsCAFile={mount['mountPath']}/ca.crt" in uri, pod_name
        assert {"secretRef": {"name": c.APP_SECRET_NAME}} in main["envFrom"], pod_name


@pytest.mark.parametrize("name", TLS_ENVIRONMENTS)
def test_certificates_are_ready_before_the_database_layer_starts(name):
    m = manifests_for(name)
    for cert in m.of_kind("Certificate"):
        assert m.layer_of("Certificate", cert["metadata"]["name"]) == "infrastructure/configs"
    configs = next(k for k in m.flux if k["kind"] == "Kustomization" and k["metadata"]["name"] == "infra-configs")
    checked = {check["kind"]: check for check in configs["spec"]["healthCheckExprs"]}
    assert "status.conditions.exists(e, e.type == 'Ready' && e.status == 'True'" in checked["Certificate"]["current"]
    assert "Issuer" in checked and "failed" not in checked["Certificate"]
    database = next(k for k in m.flux if k["kind"] == "Kustomization" and k["metadata"]["name"] == "database")
    assert database["spec"]["dependsOn"] == [{"name": "infra-configs"}]
    assert [layer.name for layer in LAYERS].index("infra-configs") < [layer.name for layer in LAYERS].index("database")


def test_kind_stays_plain():
    m = manifests_for("kind")
    assert not m.of_kind("Certificate") and not m.of_kind("Issuer")
    assert "tls" not in m.get("MongoDBCommunity", c.MONGODB_NAME)["spec"]["security"]
    assert "security" not in m.get("MongoDBSearch", c.MONGODB_NAME)["spec"]
    for pod_name, spec in _app_pods(m):
        env = {e["name"] for e in spec["containers"][0].get("env", [])}
        assert "MONGODB_URI" not in env, pod_name
        assert not [v for v in spec.get("volumes", []) if "secret" in v], pod_name


def test_an_external_database_gets_no_mongodb_certificates():
    m = manifests_for("external-db")
    assert not m.of_kind("Certificate")
    for pod_name, spec in _app_pods(m):
        assert "MONGODB_URI" not in {e["name"] for e in spec["containers"][0].get("env", [])}, pod_name


@pytest.fixture
def staging_copy(tmp_path):
    for name in ("dist", "clusters", "environments", "secrets"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / ".sops.yaml", tmp_path / ".sops.yaml")
    return tmp_path


def _edit(path, change) -> None:
    obj = yaml.safe_load(path.read_text())
    change(obj)
    path.write_text(yaml.safe_dump(obj, sort_keys=False))


def _errors(root) -> set[tuple[str, str, str]]:
    found = validate_environment(root, load_environment("staging"), with_drift=False)
    return {(f.rule, f.object, f.message) for f in found if f.severity == ERROR}


def test_validate_finds_a_tls_secret_no_certificate_writes(staging_copy):
    assert _errors(staging_copy) == set()
    community = staging_copy / "dist/staging/database/mongodb/mongodbcommunity-mongodb.yaml"
    _edit(community, lambda o: o["spec"]["security"]["tls"]["certificateKeySecretRef"].update(name="typo-tls"))
    (error,) = _errors(staging_copy)
    assert error[:2] == ("ref/secret", "MongoDBCommunity mongodb/mongodb")
    assert "spec.security.tls.certificateKeySecretRef names Secret mongodb/typo-tls" in error[2]


def test_validate_finds_a_certificate_whose_issuer_is_missing(staging_copy):
    server = staging_copy / "dist/staging/infrastructure/configs/mongodb/certificate-mongodb-server.yaml"
    _edit(server, lambda o: o["spec"]["issuerRef"].update(kind="Issuer"))
    (error,) = _errors(staging_copy)
    assert error[:2] == ("ref/cluster-issuer", "Certificate mongodb/mongodb-server")
    assert "names Issuer mongodb-ca, which this environment does not define in namespace mongodb" in error[2]


@pytest.fixture(scope="module")
def production_tree(tmp_path_factory):
    return synthesized("production", None, tmp_path_factory.mktemp("env"))


def _risks(old, new) -> dict[str, str]:
    return {r.object.label(): r.reason for r in diff_manifests(old, new).risks if r.id == "mongodb-tls"}


def test_make_diff_flags_switching_the_replica_sets_tls(production_tree):
    path = "dist/production/database/mongodb/mongodbcommunity-mongodb.yaml"
    plain = edit(production_tree, path, lambda d: d["spec"]["security"].pop("tls"))
    risks = _risks(plain, production_tree)
    assert "the app loses its database for minutes" in risks["MongoDBCommunity mongodb/mongodb"]


def test_make_diff_flags_a_re_made_ca_but_not_a_leaf_change(production_tree):
    ca = "dist/production/infrastructure/configs/cert-manager/certificate-mongodb-ca.yaml"
    rekeyed = edit(production_tree, ca, lambda d: d["spec"]["privateKey"].update(algorithm="RSA", size=4096))
    assert "no longer trusted" in _risks(production_tree, rekeyed)["Certificate cert-manager/mongodb-ca"]
    server = "dist/production/infrastructure/configs/mongodb/certificate-mongodb-server.yaml"
    renamed = edit(production_tree, server, lambda d: d["spec"]["dnsNames"].append("extra.example"))
    assert _risks(production_tree, renamed) == {}


def test_a_running_replica_set_moves_to_tls_through_preferred(tmp_path):
    tree = synthesized("staging", lambda d: d["mongodb"].update(tls="preferred"), tmp_path)
    community = yaml.safe_load(tree["dist/staging/database/mongodb/mongodbcommunity-mongodb.yaml"])
    assert community["spec"]["security"]["tls"]["enabled"] is True
    assert community["spec"]["security"]["tls"]["optional"] is True  # plain clients still admitted meanwhile
    backend = yaml.safe_load(tree["dist/staging/apps/doc-router/deployment-backend.yaml"])
    env = backend["spec"]["template"]["spec"]["containers"][0]["env"]
    assert any(e["name"] == "MONGODB_URI" and "tls=true" in e["value"] for e in env)  # the app already speaks TLS


def test_preferred_tls_without_certificates_is_refused(env_dir):
    path = env_dir / "kind.yaml"
    data = yaml.safe_load(path.read_text())
    data["mongodb"]["tls"] = "preferred"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as caught:
        load_environment("kind", env_dir)
    assert "mongodb.tls is 'preferred' but the environment issues no certificates" in str(caught.value)
