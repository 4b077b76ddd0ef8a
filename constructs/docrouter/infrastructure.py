"""Cluster-wide pieces: namespaces, storage, and the third-party controllers.

ingress-nginx and cert-manager are Helm charts reconciled by Flux's helm-controller;
their CRDs come with the release, so anything using those CRDs lives in a later layer.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from . import constants as c
from .config import Environment
from .k8s import api_object
from .network import NamespaceBaselines

HELM_INTERVAL = "1h"


class Namespaces(Construct):
    """The four namespaces. doc-router and mongodb enforce Pod Security "restricted"."""

    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        super().__init__(scope, id)
        restricted = {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/warn": "restricted",
        }
        namespaces = {
            c.APP_NAMESPACE: (restricted, None),
            # Holds the database: Flux must never delete it, even if it leaves dist/.
            c.MONGODB_NAMESPACE: (restricted, c.PRUNE_DISABLED),
            c.INGRESS_NAMESPACE: ({}, None),
            c.CERT_MANAGER_NAMESPACE: ({}, None),
        }
        for name, (extra_labels, annotations) in namespaces.items():
            api_object(
                self,
                api_version="v1",
                kind="Namespace",
                name=name,
                labels={"app.kubernetes.io/part-of": c.PART_OF, **extra_labels},
                annotations=annotations,
            )


class StorageClass(Construct):
    """The class MongoDB's volumes use; only synthesized when the config names a provisioner."""

    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        super().__init__(scope, id)
        storage = env.storage
        if storage.provisioner is None:
            return  # provided by the cluster (e.g. Kind's `standard`)
        body: dict[str, Any] = {"provisioner": storage.provisioner}
        if storage.parameters:
            body["parameters"] = dict(storage.parameters)
        body["reclaimPolicy"] = storage.reclaim_policy
        body["volumeBindingMode"] = storage.volume_binding_mode
        body["allowVolumeExpansion"] = storage.allow_volume_expansion
        api_object(
            self,
            api_version="storage.k8s.io/v1",
            kind="StorageClass",
            name=storage.name,
            labels={"app.kubernetes.io/part-of": c.PART_OF},
            body=body,
        )


class HelmController(Construct):
    """A HelmRepository plus a HelmRelease of one pinned chart version."""

    def __init__(self, scope: Construct, id: str, *, chart: c.HelmChart, values: dict[str, Any]) -> None:
        super().__init__(scope, id)
        api_object(
            self,
            api_version="source.toolkit.fluxcd.io/v1",
            kind="HelmRepository",
            name=chart.repository_name,
            namespace=c.FLUX_NAMESPACE,
            body={"spec": {"interval": "24h", "url": chart.repository_url}},
        )
        api_object(
            self,
            api_version="helm.toolkit.fluxcd.io/v2",
            kind="HelmRelease",
            name=chart.name,
            namespace=chart.namespace,
            body={
                "spec": {
                    "interval": HELM_INTERVAL,
                    "releaseName": chart.name,
                    "chart": {
                        "spec": {
                            "chart": chart.name,
                            "version": chart.version,
                            "sourceRef": {
                                "kind": "HelmRepository",
                                "name": chart.repository_name,
                                "namespace": c.FLUX_NAMESPACE,
                            },
                        }
                    },
                    # CRDs ship with the chart: create them on install, update them on upgrade.
                    "install": {"crds": "Create", "remediation": {"retries": 3}},
                    "upgrade": {"crds": "CreateReplace", "remediation": {"retries": 3}},
                    "values": values,
                }
            },
        )


def ingress_nginx_values(env: Environment) -> dict[str, Any]:
    """ingress-nginx chart values for the environment's provider."""
    controller: dict[str, Any] = {
        "ingressClassResource": {"name": c.INGRESS_CLASS, "default": True},
        "replicaCount": 1 if env.provider == "kind" else 2,
        "config": {"use-forwarded-headers": "true"},
        "metrics": {"enabled": True},
    }
    if env.provider == "kind":
        # Kind maps host ports 80/443 to the node labelled ingress-ready=true.
        controller.update(
            {
                "hostPort": {"enabled": True},
                "nodeSelector": {"ingress-ready": "true", "kubernetes.io/os": "linux"},
                "tolerations": [
                    {"key": "node-role.kubernetes.io/control-plane", "operator": "Equal", "effect": "NoSchedule"}
                ],
                "publishService": {"enabled": False},
                "extraArgs": {"publish-status-address": "localhost"},
                "service": {"type": "NodePort"},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            }
        )
    elif env.provider == "aws":
        controller["service"] = {
            "type": "LoadBalancer",
            "externalTrafficPolicy": "Local",
            "annotations": {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
            },
        }
    elif env.provider == "digitalocean":
        controller["service"] = {
            "type": "LoadBalancer",
            "annotations": {"service.beta.kubernetes.io/do-loadbalancer-name": f"doc-router-{env.name}"},
        }
    return {"controller": controller}


def cert_manager_values(env: Environment) -> dict[str, Any]:
    return {"crds": {"enabled": True, "keep": True}, "replicaCount": 1, "prometheus": {"enabled": False}}


class Controllers(Construct):
    """Layer 1: namespaces, storage and the controllers that install CRDs."""

    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        super().__init__(scope, id)
        Namespaces(self, "namespaces", env=env)
        NamespaceBaselines(self, "network-baselines")
        StorageClass(self, "storage", env=env)
        HelmController(self, "ingress-nginx", chart=c.INGRESS_NGINX_CHART, values=ingress_nginx_values(env))
        HelmController(self, "cert-manager", chart=c.CERT_MANAGER_CHART, values=cert_manager_values(env))


class ClusterIssuers(Construct):
    """Layer 2: Let's Encrypt issuers (need cert-manager's CRDs from layer 1).

    Both are always present so an environment can switch CA with a one-line config change.
    """

    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        super().__init__(scope, id)
        for name, server in c.CLUSTER_ISSUERS.items():
            api_object(
                self,
                api_version="cert-manager.io/v1",
                kind="ClusterIssuer",
                name=name,
                labels={"app.kubernetes.io/part-of": c.PART_OF},
                body={
                    "spec": {
                        "acme": {
                            "email": env.acme_email,
                            "server": server,
                            "privateKeySecretRef": {"name": f"{name}-account-key"},
                            "solvers": [{"http01": {"ingress": {"ingressClassName": c.INGRESS_CLASS}}}],
                        }
                    }
                },
            )
