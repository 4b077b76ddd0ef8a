"""Cluster-wide pieces: namespaces, storage, and the third-party controllers.

ingress-nginx, cert-manager, the MongoDB operator and metrics-server are Helm charts
reconciled by Flux's helm-controller, each only where the environment needs it (no TLS:
no cert-manager). Their CRDs come with the release, so anything using those CRDs lives in
a later layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from docrouter import config
from docrouter import constants as c
from docrouter.config import Environment
from docrouter.platform import api_objects
from docrouter.platform.building_blocks import api_object
from docrouter.platform.controller_network import ControllerNetworkPolicies, ControllerNetworkProps
from docrouter.platform.controller_security import MONGODB_OPERATOR_SECURITY, pod_security_labels
from docrouter.platform.flux_rbac import FluxLayerAccounts, FluxLayerAccountsProps
from docrouter.platform.network import NamespaceBaselines, NamespaceBaselinesProps

HELM_INTERVAL = "1h"


@dataclass(frozen=True)
class NamespacesProps:
    # MongoDB runs in the cluster: its namespace and the operator's are created.
    in_cluster_mongodb: bool = True
    # Certificates are issued: cert-manager's namespace is created.
    tls: bool = False
    # A cluster on this machine (Kind): ingress-nginx binds host ports, which only "privileged" admits.
    local_cluster: bool = False

    def names(self) -> frozenset[str]:
        """The namespaces created (FluxLayerAccounts places each layer's Roles only in these)."""
        found = {c.APP_NAMESPACE, c.INGRESS_NAMESPACE}
        if self.in_cluster_mongodb:
            found |= {c.MONGODB_NAMESPACE, c.MONGODB_OPERATOR_NAMESPACE}
        if self.tls:
            found.add(c.CERT_MANAGER_NAMESPACE)
        return frozenset(found)


class Namespaces(Construct):
    """The namespaces this environment uses, each enforcing its Pod Security level (controller_security.py)."""

    def __init__(self, scope: Construct, id: str, *, props: NamespacesProps) -> None:
        super().__init__(scope, id)
        namespaces: dict[str, dict | None] = {c.APP_NAMESPACE: None}
        if props.in_cluster_mongodb:
            # Holds the database: Flux must never delete it, even if it leaves dist/.
            namespaces[c.MONGODB_NAMESPACE] = c.PRUNE_DISABLED
            namespaces[c.MONGODB_OPERATOR_NAMESPACE] = None
        namespaces[c.INGRESS_NAMESPACE] = None
        if props.tls:
            namespaces[c.CERT_MANAGER_NAMESPACE] = None
        for name, ns_annotations in namespaces.items():
            api_object(
                self,
                api_objects.Namespace,
                name=name,
                labels={**c.PART_OF_LABEL, **pod_security_labels(name, local_cluster=props.local_cluster)},
                annotations=ns_annotations,
            )


class StorageClass(Construct):
    """The class MongoDB's volumes use, when the provider does not ship it (see providers.py)."""

    def __init__(self, scope: Construct, id: str, *, storage: config.StorageClass) -> None:
        super().__init__(scope, id)
        if storage.provisioner is None:
            return  # shipped by the provider (checked by the config model)
        body: dict[str, Any] = {"provisioner": storage.provisioner}
        if storage.parameters:
            body["parameters"] = dict(storage.parameters)
        body["reclaimPolicy"] = storage.reclaim_policy
        body["volumeBindingMode"] = storage.volume_binding_mode
        body["allowVolumeExpansion"] = storage.allow_volume_expansion
        api_object(
            self,
            api_objects.StorageClass,
            name=storage.name,
            labels=dict(c.PART_OF_LABEL),
            body=body,
        )


class HelmController(Construct):
    """A HelmRepository plus a HelmRelease of one pinned chart version."""

    def __init__(self, scope: Construct, id: str, *, chart: c.HelmChart, values: dict[str, Any]) -> None:
        super().__init__(scope, id)
        api_object(
            self,
            api_objects.HelmRepository,
            name=chart.repository_name,
            namespace=c.FLUX_NAMESPACE,
            body={"spec": {"interval": "24h", "url": chart.repository_url}},
        )
        api_object(
            self,
            api_objects.HelmRelease,
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
    """ingress-nginx chart values for the environment's provider.

    Clients' X-Forwarded-* headers are never trusted (use-forwarded-headers stays off):
    nginx sets them from the connection it sees, and the real client address reaches it
    through proxy protocol (DigitalOcean) or externalTrafficPolicy Local (AWS NLB, Kind).
    """
    controller: dict[str, Any] = {
        "ingressClassResource": {"name": c.INGRESS_CLASS, "default": True},
        "replicaCount": 1 if env.cluster.is_local else 2,
        "config": {},
        "metrics": {"enabled": True},
    }
    if env.cluster.is_local:
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
        # NLB with instance targets and Local traffic policy keeps the client's source address.
        # The in-tree provider (cloud-provider-aws) builds it from `type: nlb`. Where the AWS Load
        # Balancer Controller runs, its Service webhook takes over every new LoadBalancer Service
        # and provisions an *internal* NLB unless the scheme says otherwise (docs/guide/service/nlb.md,
        # "secure by default", v2.2.0+): Let's Encrypt's HTTP-01 could never reach it. The scheme and
        # target type say the same to both controllers; the in-tree one ignores them (docs/bootstrap.md).
        controller["service"] = {
            "type": "LoadBalancer",
            "externalTrafficPolicy": "Local",
            "annotations": {
                "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "instance",
                "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
            },
        }
    elif env.provider == "digitalocean":
        # The DO load balancer is TCP: proxy protocol carries the client address (as upstream
        # ingress-nginx's provider/do manifest does). The hostname annotation makes in-cluster
        # clients (cert-manager's HTTP-01 self-check) go through the LB too, so they speak
        # proxy protocol instead of hitting nginx directly.
        controller["config"]["use-proxy-protocol"] = "true"
        controller["service"] = {
            "type": "LoadBalancer",
            "annotations": {
                "service.beta.kubernetes.io/do-loadbalancer-name": f"doc-router-{env.name}",
                "service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol": "true",
                "service.beta.kubernetes.io/do-loadbalancer-hostname": env.ingress.host,
            },
        }
    if not controller["config"]:
        del controller["config"]
    return {"controller": controller}


def cert_manager_values(env: Environment) -> dict[str, Any]:
    return {"crds": {"enabled": True, "keep": True}, "replicaCount": 1, "prometheus": {"enabled": False}}


# What the operator reconciles: the replica set and mongot (helm_chart/values.yaml `watchedResources`).
MONGODB_WATCHED_RESOURCES = ("mongodbcommunity", "mongodbsearch")
# The kinds whose controllers also start the operator's webhook server (main.go at 1.10.0:
# setupMongoDBCRD, setupMongoDBOpsManagerCRD, setupMongoDBMultiClusterCRD call
# NewWebhookManagedBy), by their watchedResources name.
MONGODB_WEBHOOK_RESOURCES = frozenset({"mongodb", "mongodbmulticluster", "opsmanagers"})


def mongodb_webhook_values(watched: tuple[str, ...]) -> dict[str, Any]:
    """The operator's webhook settings, which hold only while it watches no kind its webhook serves.

    registerConfiguration false: the operator registers no ValidatingWebhookConfiguration, writes
    no serving certificate (pkg/webhook/setup.go Setup returns before CreateCertFiles) and the
    chart grants no cluster role for it. The chart's values.yaml reserves that for OLM ("the
    operator won't start due to missing webhook server certificates"): true as soon as a watched
    kind starts the webhook server, never for mongodbcommunity and mongodbsearch, which add none.
    So the two settings are decided here together, and synth refuses the combination that
    would crash-loop rather than shipping it.
    """
    served = sorted(MONGODB_WEBHOOK_RESOURCES.intersection(watched))
    if served:
        raise ValueError(
            f"the MongoDB operator would watch {', '.join(served)}, which its webhook serves, while "
            "webhook.registerConfiguration is false (it would crash-loop). Fix: drop them from "
            "MONGODB_WATCHED_RESOURCES, or register the webhook (infrastructure.py)"
        )
    return {"registerConfiguration": False, "installClusterRole": False}


def mongodb_operator_values(watched: tuple[str, ...] = MONGODB_WATCHED_RESOURCES) -> dict[str, Any]:
    """MongoDB Controllers for Kubernetes, reduced to what we use (helm_chart/values.yaml at 1.9.1, pinned)."""
    return {
        "operator": {
            # Runs in its own namespace, reconciles only the database namespace.
            "watchNamespace": c.MONGODB_NAMESPACE,
            "watchedResources": list(watched),
            "enableClusterMongoDBRoles": False,
            "webhook": mongodb_webhook_values(watched),
            # No usage reports to MongoDB from our clusters.
            "telemetry": {"enabled": False},
            # Passes Pod Security "restricted", which its namespace enforces.
            **MONGODB_OPERATOR_SECURITY,
        }
    }


def metrics_server_values(env: Environment) -> dict[str, Any]:
    # Kind's kubelets serve self-signed certificates.
    return {"args": ["--kubelet-insecure-tls"]} if env.cluster.is_local else {}


def needs_metrics_server(env: Environment) -> bool:
    """An HPA reads the resource metrics API: install metrics-server where the provider does not."""
    return env.backend.autoscaling is not None and not env.cluster.ships_metrics_server


def helm_charts(env: Environment) -> list[tuple[c.HelmChart, dict[str, Any]]]:
    """The third-party controllers this environment needs, with their values."""
    charts = [(c.INGRESS_NGINX_CHART, ingress_nginx_values(env))]
    if env.tls:
        charts.append((c.CERT_MANAGER_CHART, cert_manager_values(env)))
    if env.in_cluster_mongodb:
        charts.append((c.MONGODB_OPERATOR_CHART, mongodb_operator_values()))
    if needs_metrics_server(env):
        charts.append((c.METRICS_SERVER_CHART, metrics_server_values(env)))
    return charts


@dataclass(frozen=True)
class ControllersProps:
    """Layer "infra-controllers", mapped from the environment in synthesis/environment_props.py."""

    namespaces: NamespacesProps
    baselines: NamespaceBaselinesProps
    # Default-deny plus the flows each third-party controller needs (controller_network.py).
    controller_network: ControllerNetworkProps
    # One ServiceAccount per layer that Flux applies with least privilege (flux_rbac.py).
    flux_accounts: FluxLayerAccountsProps
    # The class MongoDB's volumes use; created only when it defines a provisioner.
    storage: config.StorageClass
    # The third-party controllers the environment needs, with their Helm values (helm_charts).
    charts: tuple[tuple[c.HelmChart, dict[str, Any]], ...] = ()


class Controllers(Construct):
    """Layer 1: namespaces, storage and the controllers that install CRDs (only those this environment uses)."""

    def __init__(self, scope: Construct, id: str, *, props: ControllersProps) -> None:
        super().__init__(scope, id)
        Namespaces(self, "namespaces", props=props.namespaces)
        NamespaceBaselines(self, "network-baselines", props=props.baselines)
        ControllerNetworkPolicies(self, "controller-network", props=props.controller_network)
        FluxLayerAccounts(self, "flux-layer-accounts", props=props.flux_accounts)
        StorageClass(self, "storage", storage=props.storage)
        for chart, values in props.charts:
            HelmController(self, chart.name, chart=chart, values=values)


@dataclass(frozen=True)
class ClusterIssuersProps:
    # The Let's Encrypt account contact; None: the environment issues no certificates (no issuers).
    acme_email: str | None = None


class ClusterIssuers(Construct):
    """Layer 2: Let's Encrypt issuers (need cert-manager's CRDs from layer 1).

    Both are always present so an environment can switch CA with a one-line config change.
    """

    def __init__(self, scope: Construct, id: str, *, props: ClusterIssuersProps) -> None:
        super().__init__(scope, id)
        if props.acme_email is None:
            return  # no certificates to issue, and cert-manager is not installed
        for name, server in c.CLUSTER_ISSUERS.items():
            api_object(
                self,
                api_objects.ClusterIssuer,
                name=name,
                labels=dict(c.PART_OF_LABEL),
                body={
                    "spec": {
                        "acme": {
                            "email": props.acme_email,
                            "server": server,
                            "privateKeySecretRef": {"name": c.acme_account_key_secret(name)},
                            "solvers": [{"http01": {"ingress": {"ingressClassName": c.INGRESS_CLASS}}}],
                        }
                    }
                },
            )
