"""clusters/<env>/: the Flux objects that make a cluster reconcile dist/<env>/.

`flux bootstrap ... --path=clusters/<env>` points the cluster at this folder; Flux
then applies one Kustomization per layer, each waiting for the one before it:
controllers → configs → database → pre-deploy (migration Job) → apps.
Real clusters read the Git repository bootstrap created (GitRepository flux-system);
Kind reads an OCI artifact of dist/kind pushed to a local registry by `make kind-deploy`.
`FluxChart` holds them: a cdk8s Chart in flux-system, one file per object.
"""

from __future__ import annotations

from typing import Any

from cdk8s import Chart
from constructs import Construct

from docrouter import constants as c
from docrouter.config import Environment
from docrouter.constants import FLUX_NAMESPACE
from docrouter.layers import LAYERS, reconciler_name
from docrouter.platform.api_objects import (
    Alert,
    KubeObject,
    Kustomization,
    NotificationProvider,
    OCIRepository,
    chart_objects,
    typed_object,
)
from docrouter.platform.auto_rollback import auto_rollback_objects
from docrouter.platform.infrastructure import helm_charts

KIND_SOURCE = {"kind": "OCIRepository", "name": c.KIND_SOURCE_NAME}
KIND_REGISTRY_URL = f"oci://{c.KIND_REGISTRY_NAME}:{c.KIND_REGISTRY_PORT}/{c.KIND_SOURCE_NAME}"
GIT_SOURCE = {"kind": "GitRepository", "name": "flux-system"}


def _object(of: type[KubeObject], name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": of.API_VERSION,
        "kind": of.KIND,
        "metadata": {"name": name},  # namespace: FluxChart's
        "spec": spec,
    }


def kustomizations(env: Environment, present_layers: list[str]) -> list[dict[str, Any]]:
    """One Flux Kustomization per present layer, chained with dependsOn in apply order."""
    result, previous = [], None
    for layer in (layer for layer in LAYERS if layer.path in present_layers):
        spec: dict[str, Any] = {
            "interval": "10m",
            "retryInterval": "2m",
            "timeout": layer.timeout,
            "sourceRef": KIND_SOURCE if env.cluster.is_local else GIT_SOURCE,
            "path": f"./{layer.path}" if env.cluster.is_local else f"./dist/{env.name}/{layer.path}",
            "prune": True,
            "wait": True,
        }
        if layer.grants:
            spec["serviceAccountName"] = reconciler_name(layer)  # least privilege: flux_rbac.py
        if layer.force:
            spec["force"] = True
        if layer.health_checks:
            spec["healthCheckExprs"] = [dict(check) for check in layer.health_checks]
        if previous:
            spec["dependsOn"] = [{"name": previous}]
        if layer.decrypt:
            spec["decryption"] = {"provider": "sops", "secretRef": {"name": c.AGE_SECRET_NAME}}
        result.append(_object(Kustomization, layer.name, spec))
        previous = layer.name
    return result


def kind_source() -> dict[str, Any]:
    return _object(
        OCIRepository,
        KIND_SOURCE["name"],
        {"interval": "1m", "url": KIND_REGISTRY_URL, "ref": {"tag": c.KIND_ARTIFACT_TAG}, "insecure": True},
    )


def notifications(env: Environment) -> list[dict[str, Any]]:
    if env.notifications is None:
        return []
    provider = _object(
        NotificationProvider,
        "slack",
        {"type": "slack", "channel": env.notifications.slack_channel, "secretRef": {"name": c.SLACK_WEBHOOK_SECRET}},
    )
    alert = _object(
        Alert,
        "doc-router",
        {
            "providerRef": {"name": "slack"},
            "eventSeverity": "error",
            "eventSources": [
                {"kind": "Kustomization", "name": "*"},
                *({"kind": "HelmRelease", "name": "*", "namespace": ns} for ns in helm_namespaces(env)),
            ],
            "summary": f"doc-router {env.name}",
        },
    )
    return [provider, alert]


def helm_namespaces(env: Environment) -> list[str]:
    """Namespaces of the environment's HelmReleases (their failures are alerted too)."""
    return sorted({chart.namespace for chart, _ in helm_charts(env)})


def cluster_objects(env: Environment, present_layers: list[str]) -> dict[str, dict[str, Any]]:
    """File name under clusters/<env>/ → the object FluxChart builds through the same typed classes as dist/."""
    files = {f"{k['metadata']['name']}.yaml": k for k in kustomizations(env, present_layers)}
    if env.cluster.is_local:
        files["source.yaml"] = kind_source()
    for obj in notifications(env):
        files[f"notification-{obj['kind'].lower()}.yaml"] = obj
    for obj in auto_rollback_objects(env, [k["metadata"]["name"] for k in kustomizations(env, present_layers)]):
        files[f"auto-rollback-{obj['kind'].lower()}.yaml"] = obj
    return dict(sorted(files.items()))


class FluxChart(Chart):
    """clusters/<env>/ as a chart: its objects live in flux-system (the chart's namespace)."""

    def __init__(self, scope: Construct, env: Environment, present_layers: list[str]) -> None:
        super().__init__(scope, "clusters", namespace=FLUX_NAMESPACE, disable_resource_name_hashes=True)
        self.files = {name: typed_object(self, name, obj) for name, obj in cluster_objects(env, present_layers).items()}

    def rendered(self) -> dict[str, dict[str, Any]]:
        """File name under clusters/<env>/ → the object as cdk8s renders it."""
        return dict(zip(self.files, chart_objects(self, list(self.files.values())), strict=True))
