"""The layers of one environment, in the order Flux applies them.

Each layer becomes one folder under dist/<env>/ and one Flux Kustomization that
depends on the layer before it. Flux dry-runs a whole Kustomization before applying
any of it, so a custom resource must sit in a later layer than the controller that
installs its CRD (checked by synth, see checks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from constructs import Construct

from .app import DocRouterApp
from .config import Environment, InClusterMongoDB
from .constants import APP_NAMESPACE, MONGODB_NAMESPACE
from .infrastructure import ClusterIssuers, Controllers
from .migration import PreDeploy
from .mongodb import MongoDB


@dataclass(frozen=True)
class Layer:
    name: str  # Flux Kustomization name
    path: str  # folder under dist/<env>/
    build: Callable[[Construct, Environment], None]
    description: str
    # How long Flux waits for the layer's objects to become ready before it reports failure.
    timeout: str = "3m"
    # SOPS-encrypted Secrets of these namespaces are shipped in this layer (see secrets/).
    secret_namespaces: tuple[str, ...] = ()
    # Flux re-creates objects whose immutable fields changed (only the migration layer).
    force: bool = False


def _database(scope: Construct, env: Environment) -> None:
    if isinstance(env.mongodb, InClusterMongoDB):
        MongoDB(scope, "mongodb", env=env, db=env.mongodb)


LAYERS: tuple[Layer, ...] = (
    Layer(
        "infra-controllers",
        "infrastructure/controllers",
        lambda s, e: Controllers(s, "controllers", env=e),
        "namespaces, storage class, ingress-nginx and cert-manager (Helm)",
        timeout="10m",  # Helm installs, CRDs, a cloud load balancer
    ),
    Layer(
        "infra-configs",
        "infrastructure/configs",
        lambda s, e: ClusterIssuers(s, "issuers", env=e),
        "Let's Encrypt ClusterIssuers (need cert-manager's CRDs)",
    ),
    Layer(
        "database",
        "database",
        _database,
        "MongoDB replica set with mongot search (in-cluster only)",
        timeout="10m",  # volume provisioning and replica set start-up
        secret_namespaces=(MONGODB_NAMESPACE,),
    ),
    Layer(
        "pre-deploy",
        "pre-deploy",
        lambda s, e: PreDeploy(s, "pre-deploy", env=e),
        "app configuration and the database migration Job",
        timeout="16m",  # the Job's activeDeadlineSeconds is 15m
        secret_namespaces=(APP_NAMESPACE,),
        force=True,
    ),
    Layer("apps", "apps", lambda s, e: DocRouterApp(s, "app", env=e), "frontend, backend, worker, ingress", "5m"),
)


def layer_for_secret_namespace(namespace: str) -> Layer | None:
    return next((layer for layer in LAYERS if namespace in layer.secret_namespaces), None)
