"""One place for each fact shared across constructs: names, ports, images, versions.

Per-environment values live in environments/<env>.yaml; these are the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from docrouter.operated import community_pod_labels, search_pod_labels

# --- Namespaces -----------------------------------------------------------------
APP_NAMESPACE = "doc-router"
MONGODB_NAMESPACE = "mongodb"
INGRESS_NAMESPACE = "ingress-nginx"
CERT_MANAGER_NAMESPACE = "cert-manager"
# Where `flux bootstrap` installs Flux; Helm sources live here too.
FLUX_NAMESPACE = "flux-system"

# --- The app ----------------------------------------------------------------------
# The app's workloads: each names its Deployment, Service, NetworkPolicy and pods (app.kubernetes.io/name).
FRONTEND = "frontend"
BACKEND = "backend"
WORKER = "worker"
PART_OF = "doc-router"
# The label every object of ours carries (Kubernetes' recommended app.kubernetes.io/part-of).
PART_OF_LABEL = {"app.kubernetes.io/part-of": PART_OF}
FRONTEND_IMAGE = "ghcr.io/analytiq-hub/doc-router-frontend"
BACKEND_IMAGE = "ghcr.io/analytiq-hub/doc-router-backend"
FRONTEND_PORT = 3000
BACKEND_PORT = 8000
FASTAPI_ROOT_PATH = "/fastapi"
# Python code of the backend image lives here (uvicorn app, worker/, migrate.py).
BACKEND_WORKDIR = "/app/packages/python"
# The upstream images declare no USER; uid/gid 1000 is `node` in the frontend image.
APP_UID = 1000

CONFIG_MAP_NAME = "doc-router-config"
APP_SECRET_NAME = "doc-router-secrets"
TLS_SECRET_NAME = "doc-router-tls"
INGRESS_CLASS = "nginx"

# --- MongoDB: run by MongoDB Controllers for Kubernetes (MCK) ---------------------------
# Facts read from mongodb/mongodb-kubernetes at tag 1.9.1 (the chart version pinned below; unchanged in 1.10.0).
# One name for the MongoDBCommunity, the MongoDBSearch that indexes it, and the replica set.
MONGODB_NAME = "mongodb"
# Server version: >= 8.2.0 is required for search (searchcontroller/community_search_source.go);
# 8.3.4 is what the operator's own guide deploys at 1.9.1 and 1.10.0 (docs/search/01-search-community-deploy/
# env_variables.sh MDB_VERSION).
MONGODB_VERSION = "8.3.4"
MONGODB_PORT = 27017
# Labels of the pods the operator creates (operated.py says where they were read).
MONGODB_POD_LABELS = community_pod_labels(MONGODB_NAME)
MONGOT_POD_LABELS = search_pod_labels(MONGODB_NAME)
# Headless Service of the replica set members (MongoDBCommunity.ServiceName()).
MONGODB_SERVICE = MONGODB_POD_LABELS["app"]
# mongod reaches mongot over gRPC on 27028 (MongotDefaultGrpcPort); 27027 is the legacy
# wire protocol, used only when forced by annotation; 8080 is the health check (kubelet).
MONGOT_GRPC_PORT = 27028
# Container names in the operator's StatefulSet; resources are set per container name.
MONGOD_CONTAINER = "mongod"
MONGODB_AGENT_CONTAINER = "mongodb-agent"
# One SOPS-encrypted Secret holds every MongoDB user's password, one key per user;
# the operator derives SCRAM credentials and its own keyfile from them.
MONGODB_SECRET_NAME = "mongodb-credentials"
MONGODB_ADMIN_USER = "admin"
MONGODB_APP_USER = "docrouter"
# mongot's sync-source user; the operator's default name (MongotDefaultSyncSourceUsername).
MONGODB_SEARCH_USER = "search-sync-source"
MONGODB_USER_PASSWORD_KEYS = {
    MONGODB_ADMIN_USER: "admin-password",
    MONGODB_APP_USER: "app-password",
    MONGODB_SEARCH_USER: "search-password",
}
MONGODB_SECRET_KEYS = tuple(MONGODB_USER_PASSWORD_KEYS.values())
# The operator itself runs apart from the database, so the database namespace's
# deny-by-default policies never stand between the operator and the API server.
# The migration Job's hard deadline (migration.py). Flux's wait must outlast it, so a slow migration
# fails as the Job's own failure (readable in its pod) and not as a Flux timeout; layers.py derives
# the pre-deploy timeout from it. Here, not in migration.py, so layers.py needs no cdk8s.
MIGRATION_DEADLINE_SECONDS = 600
MIGRATION_WAIT_SECONDS = MIGRATION_DEADLINE_SECONDS + 120

MONGODB_OPERATOR_NAMESPACE = "mongodb-operator"

# --- Third-party controllers (Helm charts reconciled by Flux) --------------------------


@dataclass(frozen=True)
class HelmChart:
    name: str
    repository_name: str
    repository_url: str
    version: str
    namespace: str


# Every pin below is a published chart, checked on the date in docs/platform.md#versions (the repository's
# index.yaml; for cert-manager, whose index we could not read, its GitHub release); Renovate (renovate.json)
# proposes newer ones from the index, CHART_CRDS says what to re-check.
#
# The project's last release, 4.15.1 (controller v1.15.1, index.yaml created 2026-03-19; the project stopped
# maintenance in March 2026, docs/platform.md#ingress-nginx-end-of-maintenance). Newer than the 4.13 line on
# purpose: 4.13.9 is tested on Kubernetes 1.29-1.33, 4.15.1 on 1.31-1.35 (the supported-versions table of
# ingress-nginx's own README), the nearest to our 1.37; its templates we rely on (labels, ports, the values we
# set) equal 4.13.7's.
INGRESS_NGINX_CHART = HelmChart(
    name="ingress-nginx",
    repository_name="ingress-nginx",
    repository_url="https://kubernetes.github.io/ingress-nginx",
    version="4.15.1",
    namespace=INGRESS_NAMESPACE,
)
# The last v1.19 patch (2026-06-25, GHSA-8rvj-mm4h-c258 fixed). v1.19 left upstream support when v1.21.0 came
# out (2026-07-08; cert-manager/testing#1218): moving to v1.21 waits for its CRDs in the tests' ../shared/crds.
CERT_MANAGER_CHART = HelmChart(
    name="cert-manager",
    repository_name="jetstack",
    repository_url="https://charts.jetstack.io",
    version="v1.19.6",
    namespace=CERT_MANAGER_NAMESPACE,
)

# The newest chart the repository's index.yaml publishes (1.9.1, created 2026-07-03; mongodb/helm-charts
# gh-pages). Tag 1.10.0 (2026-07-30) exists in the operator's repository, but no index we could read lists it.
MONGODB_OPERATOR_CHART = HelmChart(
    name="mongodb-kubernetes",
    repository_name="mongodb",
    repository_url="https://mongodb.github.io/helm-charts",
    version="1.9.1",
    namespace=MONGODB_OPERATOR_NAMESPACE,
)
METRICS_SERVER_CHART = HelmChart(
    name="metrics-server",
    repository_name="metrics-server",
    repository_url="https://kubernetes-sigs.github.io/metrics-server/",
    version="3.13.1",
    namespace="kube-system",
)
# What changed in each chart's CRDs against the copies the tests install (../shared/crds), as data so a pin move
# shows what to re-check. Compared with `git diff <shared tag> <pinned tag>` of the CRD folder on 2026-12-04.
CHART_CRDS = {
    CERT_MANAGER_CHART.name: "deploy/crds v1.19.1 -> v1.19.6: one description typo fixed in challenges, issuers and"
    " clusterissuers ('[2001:db8::1]) ;' became '[2001:db8::1]);'); schemas identical to ../shared/crds (v1.19.1)",
    MONGODB_OPERATOR_CHART.name: "helm_chart/crds 1.9.1 vs ../shared/crds (1.10.0): MongoDBCommunity identical;"
    " 1.10.0's MongoDBSearch adds fields (spec nodeAffinity, status clusters[], a clusters[].name immutability"
    " rule) that we do not use; every field dist/ sets exists in 1.9.1's CRDs",
    INGRESS_NGINX_CHART.name: "ships no CRDs",
    METRICS_SERVER_CHART.name: "ships no CRDs",
}
# cert-manager's HTTP-01 solver pods (created in the Ingress's namespace while a certificate is issued):
# label and listen port from cert-manager v1.19.6, pkg/apis/acme/v1/types.go and pkg/issuer/acme/http/http.go.
ACME_HTTP01_SOLVER_LABELS = {"acme.cert-manager.io/http01-solver": "true"}
ACME_HTTP01_SOLVER_PORT = 8089


def acme_account_key_secret(issuer: str) -> str:
    """The Secret (in CERT_MANAGER_NAMESPACE) where cert-manager keeps a ClusterIssuer's ACME account key."""
    return f"{issuer}-account-key"


CLUSTER_ISSUERS = {
    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
}

# --- Flux ---------------------------------------------------------------------------
# The Flux release every cluster runs: `flux install` (Kind), `flux bootstrap --version` (docs/bootstrap.md)
# and the CI workflow's CLI. 2.8.8 is the newest release whose CRDs the tests install (../shared/crds);
# fluxcd/flux2 tag v2.8.8 (commit 1fd61a06264d71cf445ed55c4f14d401d26a1c64), released 2026-05-20.
FLUX_VERSION = "v2.8.8"
# Flux decrypts SOPS files with the age key in this Secret (the key name must end in .agekey).
AGE_SECRET_NAME = "sops-age"
AGE_SECRET_KEY = "age.agekey"
# Flux's Slack alerts read the webhook URL from this Secret (created once by hand, see config.py).
SLACK_WEBHOOK_SECRET = "slack-webhook"
# Flux's githubdispatch Provider (auto-rollback) reads the repository address and a GitHub token from
# this Secret, a SOPS file under secrets/<env>/flux-system/ (tools/secrets/catalog.py).
GITHUB_DISPATCH_SECRET = "github-dispatch"
# The key of the auto-rollback Alert's eventMetadata that names the environment (one workflow serves them all).
AUTO_ROLLBACK_ENV_KEY = "env"

# --- Kind's local OCI registry (the standard kind local-registry recipe) ----------------
# Inside the cluster it is kind-registry:5000 (clusters/kind/source.yaml uses that);
# on the host it is localhost:5001 (`flux push artifact` uses that).
KIND_REGISTRY_NAME = "kind-registry"
KIND_REGISTRY_PORT = 5000
KIND_REGISTRY_HOST_PORT = 5001
# The OCIRepository in clusters/kind/ and the artifact tag it follows.
KIND_SOURCE_NAME = "doc-router"
KIND_ARTIFACT_TAG = "local"

# --- Flux annotations ---------------------------------------------------------------
# Read by Flux's kustomize-controller (synth sets them, `make diff` weighs them).
PRUNE_ANNOTATION = "kustomize.toolkit.fluxcd.io/prune"
FORCE_ANNOTATION = "kustomize.toolkit.fluxcd.io/force"
PRUNE_DISABLED = {PRUNE_ANNOTATION: "disabled"}
FORCE_ENABLED = {FORCE_ANNOTATION: "enabled"}
