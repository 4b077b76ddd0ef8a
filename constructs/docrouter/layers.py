"""The layers of one environment, in the order Flux applies them.

Each layer becomes one folder under dist/<env>/ and one Flux Kustomization that
depends on the layer before it. Flux dry-runs a whole Kustomization before applying
any of it, so a custom resource must sit in a later layer than the controller that
installs its CRD (checked by synth, see checks.py).

Pure metadata: validate, kind, secrets and review read it without starting cdk8s (jsii/Node).
What each layer contains is built by layer_builders.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from docrouter import kinds
from docrouter.constants import APP_NAMESPACE, FLUX_NAMESPACE, MIGRATION_WAIT_SECONDS, MONGODB_NAMESPACE


@dataclass(frozen=True)
class Layer:
    name: str  # Flux Kustomization name
    path: str  # folder under dist/<env>/
    description: str
    # How long Flux waits for the layer's objects to become ready before it reports failure.
    timeout: str = "3m"
    # SOPS-encrypted Secrets of these namespaces are shipped in this layer (see secrets/).
    secret_namespaces: tuple[str, ...] = ()
    # Flux re-creates objects whose immutable fields changed (only the migration layer).
    force: bool = False
    # How Flux's wait judges custom resources that report a phase instead of conditions.
    health_checks: tuple[dict[str, str], ...] = ()
    # What the layer's Kustomization may change: (namespace, API group, resources). Set, Flux applies
    # the layer as its own ServiceAccount bound to exactly these (Flux's multi-tenancy guide:
    # spec.serviceAccountName); empty, as kustomize-controller itself (cluster-admin). See grants.py.
    grants: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    # Flux decrypts SOPS files in this layer (with the age key in flux-system): every layer that ships
    # Secrets must (checked below). apps decrypts too, but its grants admit no Secret (the cluster tier saw
    # Flux's ServiceAccount refused): a Secret for the app belongs in pre-deploy, which may write them.
    decrypt: bool = False


# Ready=True for the object's current generation: cert-manager's issuers and certificates (see infra-configs).
CERT_MANAGER_READY = (
    "has(status.conditions) && status.conditions.exists(e, e.type == 'Ready' && "
    "e.status == 'True' && (!has(e.observedGeneration) || e.observedGeneration == metadata.generation))"
)

LAYERS: tuple[Layer, ...] = (
    Layer(
        "infra-controllers",
        "infrastructure/controllers",
        "namespaces, storage class, ingress-nginx, cert-manager, the MongoDB operator, metrics-server (Helm)",
        timeout="10m",  # Helm installs, CRDs, a cloud load balancer
        # The auto-rollback dispatch token: first layer, so alerts work for every later one.
        secret_namespaces=(FLUX_NAMESPACE,),
        decrypt=True,
    ),
    Layer(
        "infra-configs",
        "infrastructure/configs",
        "Let's Encrypt ClusterIssuers and MongoDB's TLS certificates (need cert-manager's CRDs; TLS environments only)",
        # kstatus reads only status.observedGeneration and the Reconciling/Stalled conditions
        # (sigs.k8s.io/cli-utils pkg/kstatus/status/generic.go); cert-manager's IssuerStatus and
        # CertificateStatus have neither (apis/certmanager/v1 types_issuer.go, types_certificate.go at
        # v1.19.1: a Ready condition that carries its own observedGeneration), so without these an issuer
        # that never registers with the ACME server, or a certificate never issued, counts as ready. No
        # `failed`: a first registration or issuance may fail and be retried, so the layer's timeout
        # decides. Waiting on MongoDB's Certificates keeps the database layer (next) from starting before
        # their Secrets exist. The Certificate ingress-shim makes from the Ingress is not in any layer's
        # inventory, so no layer waits on it.
        health_checks=tuple(
            {"apiVersion": gvk[0], "kind": gvk[1], "current": CERT_MANAGER_READY}
            for gvk in (kinds.CLUSTER_ISSUER, kinds.ISSUER, kinds.CERTIFICATE)
        ),
    ),
    Layer(
        "database",
        "database",
        "MongoDBCommunity and MongoDBSearch for the operator (in-cluster only)",
        timeout="15m",  # volume provisioning, replica set start-up, mongot's first sync
        secret_namespaces=(MONGODB_NAMESPACE,),
        decrypt=True,
        grants=(
            (MONGODB_NAMESPACE, "", ("secrets",)),
            (MONGODB_NAMESPACE, "networking.k8s.io", ("networkpolicies",)),
            (MONGODB_NAMESPACE, "policy", ("poddisruptionbudgets",)),
            (MONGODB_NAMESPACE, "mongodbcommunity.mongodb.com", ("mongodbcommunity",)),
            (MONGODB_NAMESPACE, "mongodb.com", ("mongodbsearch",)),
        ),
        # Both report status.phase Pending/Running/Failed (api/mongodb/v1/status/phase.go), no conditions.
        # MongoDBSearch reports a transient wait as Failed too ("Waiting for MongoDB source",
        # controllers/operator/mongodbsearch_controller.go at 1.10.0): it has no `failed`, so a
        # search waiting for its replica set does not end the wait and page; the timeout decides.
        health_checks=(
            {
                "apiVersion": kinds.MONGODB_COMMUNITY[0],
                "kind": kinds.MONGODB_COMMUNITY[1],
                "current": "has(status.phase) && status.phase == 'Running'",
                "failed": "has(status.phase) && status.phase == 'Failed'",
            },
            {
                "apiVersion": kinds.MONGODB_SEARCH[0],
                "kind": kinds.MONGODB_SEARCH[1],
                "current": "has(status.phase) && status.phase == 'Running'",
            },
        ),
    ),
    Layer(
        "pre-deploy",
        "pre-deploy",
        "app configuration and the database migration Job",
        timeout=f"{MIGRATION_WAIT_SECONDS // 60}m",  # outlasts the Job's activeDeadlineSeconds
        secret_namespaces=(APP_NAMESPACE,),
        decrypt=True,
        force=True,
        grants=(
            (APP_NAMESPACE, "", ("configmaps", "secrets")),
            (APP_NAMESPACE, "batch", ("jobs",)),
            (APP_NAMESPACE, "networking.k8s.io", ("networkpolicies",)),
        ),
    ),
    Layer(
        "apps",
        "apps",
        "frontend, backend, worker, ingress",
        "5m",
        decrypt=True,
        grants=(
            (APP_NAMESPACE, "", ("services",)),
            (APP_NAMESPACE, "apps", ("deployments",)),
            (APP_NAMESPACE, "networking.k8s.io", ("ingresses", "networkpolicies")),
            (APP_NAMESPACE, "policy", ("poddisruptionbudgets",)),
            (APP_NAMESPACE, "autoscaling", ("horizontalpodautoscalers",)),
        ),
    ),
)
assert all(layer.decrypt for layer in LAYERS if layer.secret_namespaces), "a layer shipping Secrets must decrypt them"


def reconciler_name(layer: Layer) -> str:
    """The ServiceAccount (in flux-system) a layer with grants is applied as."""
    return f"flux-{layer.name}"


def layer_for_secret_namespace(namespace: str) -> Layer | None:
    return next((layer for layer in LAYERS if namespace in layer.secret_namespaces), None)
