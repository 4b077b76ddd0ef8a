"""What each layer of layers.py contains: the constructs synth adds to the layer's chart.

Kept apart from layers.py because importing the constructs starts cdk8s (jsii/Node),
which only synth needs.
"""

from __future__ import annotations

from collections.abc import Callable

from constructs import Construct

from docrouter.config import Environment, InClusterMongoDB
from docrouter.platform.app import DocRouterApp
from docrouter.platform.infrastructure import ClusterIssuers, Controllers
from docrouter.platform.migration import PreDeploy
from docrouter.platform.mongodb import MongoDB
from docrouter.synthesis.layers import LAYERS


def _database(scope: Construct, env: Environment) -> None:
    if isinstance(env.mongodb, InClusterMongoDB):
        MongoDB(scope, "mongodb", env=env, db=env.mongodb)


# Layer name → the function that fills its chart.
BUILDERS: dict[str, Callable[[Construct, Environment], object]] = {
    "infra-controllers": lambda s, e: Controllers(s, "controllers", env=e),
    "infra-configs": lambda s, e: ClusterIssuers(s, "issuers", env=e),
    "database": _database,
    "pre-deploy": lambda s, e: PreDeploy(s, "pre-deploy", env=e),
    "apps": lambda s, e: DocRouterApp(s, "app", env=e),
}
assert set(BUILDERS) == {layer.name for layer in LAYERS}, "every layer needs exactly one builder"
