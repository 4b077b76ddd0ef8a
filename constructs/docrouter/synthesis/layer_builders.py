"""What each layer of layers.py contains: one cdk8s Chart per layer, holding the layer's constructs.

A layer's chart carries what all of its objects share, the way cdk8s means a Chart to: its namespace
(for objects that name none) and its common labels (cdk8s-core src/chart.ts, ChartProps.namespace and
.labels; ApiObject merges both into every object's metadata). Kept apart from layers.py because
importing the constructs starts cdk8s (jsii/Node), which only synth needs.
"""

from __future__ import annotations

from typing import ClassVar

from cdk8s import Chart
from constructs import Construct

from docrouter.config import Environment
from docrouter.constants import APP_NAMESPACE, MONGODB_NAMESPACE, PART_OF_LABEL
from docrouter.layers import LAYERS
from docrouter.platform.app import DocRouterApp
from docrouter.platform.infrastructure import ClusterIssuers, Controllers
from docrouter.platform.migration import PreDeploy
from docrouter.platform.mongodb import MongoDB
from docrouter.platform.mongodb_certificates import MongoDBCertificates
from docrouter.synthesis.environment_props import (
    app_props,
    cluster_issuers_props,
    controllers_props,
    mongodb_certificates_props,
    mongodb_props,
    pre_deploy_props,
)


class LayerChart(Chart):
    """One layer's chart; a subclass names the layer, its namespace and labels, and fills it in `build`."""

    LAYER: ClassVar[str]
    NAMESPACE: ClassVar[str | None] = None
    LABELS: ClassVar[dict[str, str]] = PART_OF_LABEL

    def __init__(self, scope: Construct, env: Environment) -> None:
        # Object names are explicit (platform/building_blocks.py): cdk8s never derives or hashes one.
        labels = dict(self.LABELS) or None
        super().__init__(scope, self.LAYER, namespace=self.NAMESPACE, labels=labels, disable_resource_name_hashes=True)
        self.build(env)

    def build(self, env: Environment) -> None:
        raise NotImplementedError


class ControllersChart(LayerChart):
    """Namespaces and third-party controllers of every namespace; some (Helm charts) are not ours to label."""

    LAYER, LABELS = "infra-controllers", {}

    def build(self, env: Environment) -> None:
        Controllers(self, "controllers", props=controllers_props(env))


class ConfigsChart(LayerChart):
    LAYER = "infra-configs"  # ClusterIssuers, and Certificates that name their own namespace

    def build(self, env: Environment) -> None:
        ClusterIssuers(self, "issuers", props=cluster_issuers_props(env))
        MongoDBCertificates(self, "mongodb-certificates", props=mongodb_certificates_props(env))


class DatabaseChart(LayerChart):
    LAYER, NAMESPACE = "database", MONGODB_NAMESPACE

    def build(self, env: Environment) -> None:
        if env.in_cluster_mongodb:
            MongoDB(self, "mongodb", props=mongodb_props(env, env.in_cluster_mongodb))


class PreDeployChart(LayerChart):
    LAYER, NAMESPACE = "pre-deploy", APP_NAMESPACE

    def build(self, env: Environment) -> None:
        PreDeploy(self, "pre-deploy", props=pre_deploy_props(env))


class AppsChart(LayerChart):
    LAYER, NAMESPACE = "apps", APP_NAMESPACE

    def build(self, env: Environment) -> None:
        DocRouterApp(self, "app", props=app_props(env))


# Layer name → its chart, for every layer of layers.py.
CHARTS: dict[str, type[LayerChart]] = {
    chart.LAYER: chart for chart in (ControllersChart, ConfigsChart, DatabaseChart, PreDeployChart, AppsChart)
}
assert set(CHARTS) == {layer.name for layer in LAYERS}, "every layer needs exactly one chart"
