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
from docrouter.constants import APP_NAMESPACE, MIGRATION_WAIT_SECONDS, MONGODB_NAMESPACE


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
    # Flux decrypts SOPS files in this layer (with the age key in flux-system): every layer that ships
    # Secrets must (checked below); apps does too, so a Secret added there decrypts without a Flux change.
    decrypt: bool = False


LAYERS: tuple[Layer, ...] = (
    Layer(
        "infra-controllers",
        "infrastructure/controllers",
        "namespaces, storage class, ingress-nginx, cert-manager, the MongoDB operator, metrics-server (Helm)",
        timeout="10m",  # Helm installs, CRDs, a cloud load balancer
    ),
    Layer(
        "infra-configs",
        "infrastructure/configs",
        "Let's Encrypt ClusterIssuers (need cert-manager's CRDs; TLS environments only)",
    ),
    Layer(
        "database",
        "database",
        "MongoDBCommunity and MongoDBSearch for the operator (in-cluster only)",
        timeout="15m",  # volume provisioning, replica set start-up, mongot's first sync
        secret_namespaces=(MONGODB_NAMESPACE,),
        decrypt=True,
        # Both report status.phase Pending/Running/Failed (api/mongodb/v1/status/phase.go), no conditions.
        health_checks=tuple(
            {
                "apiVersion": api_version,
                "kind": kind,
                "current": "has(status.phase) && status.phase == 'Running'",
                "failed": "has(status.phase) && status.phase == 'Failed'",
            }
            for api_version, kind in (kinds.MONGODB_COMMUNITY, kinds.MONGODB_SEARCH)
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
    ),
    Layer("apps", "apps", "frontend, backend, worker, ingress", "5m", decrypt=True),
)
assert all(layer.decrypt for layer in LAYERS if layer.secret_namespaces), "a layer shipping Secrets must decrypt them"


def layer_for_secret_namespace(namespace: str) -> Layer | None:
    return next((layer for layer in LAYERS if namespace in layer.secret_namespaces), None)
