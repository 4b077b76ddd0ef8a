"""TLS of the in-cluster MongoDB: the names and host names cert-manager, the operator and the app share.

Kept free of cdk8s, like mongodb_hosts.py: the constructs (platform/mongodb_certificates.py, mongodb.py,
workload.py, migration.py) write these names and tests/test_mongodb_tls.py checks dist/ against them.

Where TLS is on: environments that issue certificates (env.tls: cert-manager is installed) and run MongoDB
in the cluster. Kind runs neither cert-manager nor TLS, so its database traffic stays plain (it never
leaves the one machine). The chain follows the operator's own search guide (mongodb/mongodb-kubernetes
1.9.1, docs/search/01-search-community-deploy/code_snippets/01_0307_prepare_cert_manager_issuer.sh and
01_0308_issue_tls_certificates.sh): a self-signed issuer signs a CA, a CA ClusterIssuer signs the
replica set's and mongot's certificates.

Why a ClusterIssuer and not a CA Issuer in the mongodb namespace (the operator's docs/mongodbcommunity/
secure.md): the app's pods (namespace doc-router) must trust the same CA, and a namespaced Issuer can only
sign Certificates of its own namespace; cert-manager writes the issuing CA into every Secret it issues
(`ca.crt`), so a Certificate in doc-router from the same ClusterIssuer is how the CA reaches the app
without copying Secrets across namespaces (trust-manager would, but is not installed). A ClusterIssuer
serves any namespace: only who may create Certificates (Flux's layers that hold no such grant cannot) can
use it.
"""

from __future__ import annotations

from docrouter import constants as c
from docrouter.mongodb_hosts import service_dns

# cert-manager namespace: the bootstrap issuer and the CA keypair. A ClusterIssuer reads its Secret from
# cert-manager's --cluster-resource-namespace, by default the namespace cert-manager runs in.
SELF_SIGNED_ISSUER = "mongodb-ca-bootstrap"
CA_CERTIFICATE = CA_SECRET = CA_ISSUER = "mongodb-ca"
# mongodb namespace: the members' certificate and mongot's.
SERVER_CERTIFICATE = "mongodb-server"
SERVER_SECRET = "mongodb-server-tls"
SEARCH_CERTIFICATE = "mongodb-search"
SEARCH_SECRET = "mongodb-search-tls"
# doc-router namespace: a client certificate the app never presents (users authenticate with SCRAM);
# its Secret's ca.crt is the CA the app verifies the members with.
CLIENT_CERTIFICATE = "mongodb-client"
CLIENT_SECRET = "mongodb-client-tls"
# cert-manager's key of the issuing CA in every Secret it writes (cert-manager v1.19 pkg/apis/meta/v1
# TLSCAKey), also the key the operator reads from caCertificateSecretRef (mongodb_tls.go tlsCACertName).
CA_KEY = "ca.crt"
# Where the app's pods find the CA.
CA_MOUNT_PATH = "/etc/mongodb-tls"
CA_FILE = f"{CA_MOUNT_PATH}/{CA_KEY}"


def member_names(members: int) -> list[str]:
    """DNS names of the replica set: every member's pod name (Hosts(): <name>-<i>.<name>-svc.<ns>.svc.cluster.local),
    its short form and the headless Service, as the operator's guide issues them (01_0308)."""
    names = []
    for ordinal in range(members):
        names += [f"{c.MONGODB_NAME}-{ordinal}", f"{c.MONGODB_NAME}-{ordinal}.{service_dns()}"]
    return [*names, service_dns()]


def search_names(replicas: int = 1) -> list[str]:
    """DNS names of mongot: mongod dials <name>-search-0-0.<name>-search-0-svc.<ns>.svc.cluster.local when no
    load balancer fronts it (controllers/searchcontroller/mongodbsearch_reconcile_helper.go mongotHostAndPort,
    1.9.1), plus the Service itself."""
    service = f"{c.MONGODB_NAME}-search-0-svc.{c.MONGODB_NAMESPACE}.svc.cluster.local"
    return [*(f"{c.MONGODB_NAME}-search-0-{i}.{service}" for i in range(replicas)), service]


# What the app's pods append to the MONGODB_URI of doc-router-secrets (which already has a query:
# ?replicaSet=...&authSource=admin, mongodb_hosts.connection_uri_template). pymongo and the Node driver
# both read tls and tlsCAFile from the URI, as the operator's guide connects (env_variables.sh
# MDB_CONNECTION_STRING).
URI_TLS_OPTIONS = f"&tls=true&tlsCAFile={CA_FILE}"
