"""One place for each fact shared across constructs: names, ports, images, versions.

Per-environment values live in environments/<env>.yaml; these are the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- Namespaces -----------------------------------------------------------------
APP_NAMESPACE = "doc-router"
MONGODB_NAMESPACE = "mongodb"
INGRESS_NAMESPACE = "ingress-nginx"
CERT_MANAGER_NAMESPACE = "cert-manager"
# Where `flux bootstrap` installs Flux; Helm sources live here too.
FLUX_NAMESPACE = "flux-system"

# --- The app ----------------------------------------------------------------------
PART_OF = "doc-router"
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

# --- MongoDB ------------------------------------------------------------------------
MONGODB_NAME = "mongodb"
MONGODB_IMAGE = "mongodb/mongodb-community-server:8.2.1-ubi9"
MONGOT_IMAGE = "mongodb/mongodb-community-search:0.53.0"
MONGODB_PORT = 27017
MONGOT_GRPC_PORT = 27028
MONGOT_HEALTH_PORT = 8080
MONGODB_REPLICA_SET = "rs0"
# uid of the `mongod` user in the community-server image.
MONGODB_UID = 999
# Secret (SOPS-encrypted, see secrets/) with keys listed in MONGODB_SECRET_KEYS.
MONGODB_SECRET_NAME = "mongodb-credentials"
MONGODB_SECRET_KEYS = ("keyfile", "root-password", "app-password", "search-password")
MONGODB_ROOT_USER = "root"
MONGODB_APP_USER = "docrouter"
MONGODB_SEARCH_USER = "mongot"

# --- Third-party controllers (Helm charts reconciled by Flux) --------------------------


@dataclass(frozen=True)
class HelmChart:
    name: str
    repository_name: str
    repository_url: str
    version: str
    namespace: str


INGRESS_NGINX_CHART = HelmChart(
    name="ingress-nginx",
    repository_name="ingress-nginx",
    repository_url="https://kubernetes.github.io/ingress-nginx",
    version="4.13.3",
    namespace=INGRESS_NAMESPACE,
)
CERT_MANAGER_CHART = HelmChart(
    name="cert-manager",
    repository_name="jetstack",
    repository_url="https://charts.jetstack.io",
    version="v1.19.1",
    namespace=CERT_MANAGER_NAMESPACE,
)

# cert-manager's HTTP-01 solver pods (created in the Ingress's namespace while a certificate is issued):
# label and listen port from cert-manager v1.19.1, pkg/apis/acme/v1/types.go and pkg/issuer/acme/http/http.go.
ACME_HTTP01_SOLVER_LABELS = {"acme.cert-manager.io/http01-solver": "true"}
ACME_HTTP01_SOLVER_PORT = 8089

CLUSTER_ISSUERS = {
    "letsencrypt-prod": "https://acme-v02.api.letsencrypt.org/directory",
    "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
}

# --- Flux ---------------------------------------------------------------------------
# Flux decrypts SOPS files with the age key in this Secret (the key name must end in .agekey).
AGE_SECRET_NAME = "sops-age"
AGE_SECRET_KEY = "age.agekey"

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
PRUNE_DISABLED = {"kustomize.toolkit.fluxcd.io/prune": "disabled"}
FORCE_ENABLED = {"kustomize.toolkit.fluxcd.io/force": "enabled"}
