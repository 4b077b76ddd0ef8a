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
from .infrastructure import ClusterIssuers, Controllers
from .migration import PreDeploy
from .mongodb import MongoDB


@dataclass(frozen=True)
class Layer:
    name: str  # Flux Kustomization name
    path: str  # folder under dist/<env>/
    build: Callable[[Construct, Environment], None]
    description: str


def _database(scope: Construct, env: Environment) -> None:
    if isinstance(env.mongodb, InClusterMongoDB):
        MongoDB(scope, "mongodb", env=env, db=env.mongodb)


LAYERS: tuple[Layer, ...] = (
    Layer(
        "infra-controllers",
        "infrastructure/controllers",
        lambda s, e: Controllers(s, "controllers", env=e),
        "namespaces, storage class, ingress-nginx and cert-manager (Helm)",
    ),
    Layer(
        "infra-configs",
        "infrastructure/configs",
        lambda s, e: ClusterIssuers(s, "issuers", env=e),
        "Let's Encrypt ClusterIssuers (need cert-manager's CRDs)",
    ),
    Layer("database", "database", _database, "MongoDB replica set with mongot search (in-cluster only)"),
    Layer(
        "pre-deploy",
        "pre-deploy",
        lambda s, e: PreDeploy(s, "pre-deploy", env=e),
        "app configuration and the database migration Job",
    ),
    Layer("apps", "apps", lambda s, e: DocRouterApp(s, "app", env=e), "frontend, backend, worker, ingress"),
)
