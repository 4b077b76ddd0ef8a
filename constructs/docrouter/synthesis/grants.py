"""Synth guard: a layer applied as its own ServiceAccount holds only objects its grant covers.

Otherwise Flux would fail that layer at apply time with a Forbidden error (flux_rbac.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from docrouter.layers import LAYERS
from docrouter.synthesis.checks import SynthError

# kind → (API group, resource) for the kinds the granted layers ship (plural names as the API serves
# them; the MongoDB operator's CRDs name theirs in the singular, see ../shared/crds).
RESOURCES = {
    "ConfigMap": ("", "configmaps"),
    "Secret": ("", "secrets"),
    "Service": ("", "services"),
    "Deployment": ("apps", "deployments"),
    "Job": ("batch", "jobs"),
    "HorizontalPodAutoscaler": ("autoscaling", "horizontalpodautoscalers"),
    "PodDisruptionBudget": ("policy", "poddisruptionbudgets"),
    "Ingress": ("networking.k8s.io", "ingresses"),
    "NetworkPolicy": ("networking.k8s.io", "networkpolicies"),
    "MongoDBCommunity": ("mongodbcommunity.mongodb.com", "mongodbcommunity"),
    "MongoDBSearch": ("mongodb.com", "mongodbsearch"),
    "Issuer": ("cert-manager.io", "issuers"),
    "Certificate": ("cert-manager.io", "certificates"),
}


def check_layer_grants(env: str, layered: Mapping[str, list[dict]]) -> None:
    for layer in (layer for layer in LAYERS if layer.grants and layer.path in layered):
        granted = {(ns, group, resource) for ns, group, resources in layer.grants for resource in resources}
        for obj in layered[layer.path]:
            kind, meta = obj.get("kind"), obj.get("metadata") or {}
            group, resource = RESOURCES.get(str(kind), ("?", "?"))
            if (meta.get("namespace"), group, resource) not in granted:
                raise SynthError(
                    f"environment '{env}': layer '{layer.path}': {kind} {meta.get('namespace')}/{meta.get('name')} "
                    f"is outside what the layer's ServiceAccount may change, so Flux would be refused. "
                    f"Fix: add it to the layer's grants in constructs/docrouter/layers.py "
                    f"(and its resource to RESOURCES in synthesis/grants.py)"
                )
