"""NetworkPolicies: deny by default, then allow exactly the flows the app needs.

Allowed: ingress-nginx → frontend/backend, frontend → backend, app pods → MongoDB,
DNS from every pod, HTTPS to the internet for the app (LLM APIs, S3, OAuth), and
ingress-nginx → cert-manager's HTTP-01 solver pods where the environment has TLS.
The frontend reaches MongoDB too: NextAuth keeps its users and sessions there.
What these policies must allow and deny is proven per Flux stage by docrouter_tools.netflow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from docrouter import constants as c
from docrouter.platform import api_objects
from docrouter.platform.building_blocks import api_object, selector_labels
from docrouter.providers import ApiServer

PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]


def namespace_selector(namespace: str) -> dict[str, Any]:
    return {"matchLabels": {"kubernetes.io/metadata.name": namespace}}


def tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


DNS_PEER = {
    "namespaceSelector": namespace_selector("kube-system"),
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
# Public internet only: private ranges stay closed so a compromised pod cannot roam the VPC.
INTERNET_PEER = {"ipBlock": {"cidr": "0.0.0.0/0", "except": PRIVATE_RANGES}}


def kube_api_egress(api: ApiServer) -> dict[str, Any]:
    """Egress to the API server as the provider places it (providers.py): only pods that must call it."""
    return {"to": [{"ipBlock": {"cidr": cidr}} for cidr in api.cidrs], "ports": tcp(*api.ports)}


def mongodb_peer() -> dict[str, Any]:
    """The replica set members, as the operator labels them."""
    return {
        "namespaceSelector": namespace_selector(c.MONGODB_NAMESPACE),
        "podSelector": {"matchLabels": dict(c.MONGODB_POD_LABELS)},
    }


def mongodb_egress(in_cluster: bool) -> dict[str, Any]:
    """Egress to the database: in-cluster MongoDB, or the internet for an external one."""
    if in_cluster:
        return {"to": [mongodb_peer()], "ports": tcp(c.MONGODB_PORT)}
    return {"to": [INTERNET_PEER], "ports": tcp(c.MONGODB_PORT)}


def network_policy(
    scope: Construct,
    *,
    name: str,
    namespace: str,
    pods: dict[str, str],
    ingress: Iterable[dict] | None = None,
    egress: Iterable[dict] | None = None,
    annotations: dict[str, str] | None = None,
) -> None:
    types: list[str] = []
    spec: dict[str, Any] = {"podSelector": {"matchLabels": pods} if pods else {}}
    if ingress is not None:
        types.append("Ingress")
        spec["ingress"] = list(ingress)
    if egress is not None:
        types.append("Egress")
        spec["egress"] = list(egress)
    spec["policyTypes"] = types
    api_object(
        scope,
        api_objects.NetworkPolicy,
        name=name,
        namespace=namespace,
        labels=dict(c.PART_OF_LABEL),
        annotations=annotations,
        body={"spec": spec},
    )


def namespace_baseline(scope: Construct, namespace: str) -> None:
    """Default deny in and out, then DNS for every pod of the namespace."""
    network_policy(scope, name="default-deny", namespace=namespace, pods={}, ingress=[], egress=[])
    network_policy(
        scope, name="allow-dns", namespace=namespace, pods={}, egress=[{"to": [DNS_PEER], "ports": DNS_PORTS}]
    )


@dataclass(frozen=True)
class NamespaceBaselinesProps:
    # MongoDB runs in the cluster: its namespace gets the baseline too.
    in_cluster_mongodb: bool = True


class NamespaceBaselines(Construct):
    """Deny-by-default plus DNS for each namespace that runs our pods, shipped with the Namespace
    (controllers layer) so it is in place before the first pod there: the migration Job runs in
    pre-deploy, long before the apps layer, and the operator's pods appear in the database layer."""

    def __init__(self, scope: Construct, id: str, *, props: NamespaceBaselinesProps) -> None:
        super().__init__(scope, id)
        namespaces = [c.APP_NAMESPACE] + ([c.MONGODB_NAMESPACE] if props.in_cluster_mongodb else [])
        for namespace in namespaces:
            namespace_baseline(self, namespace)


@dataclass(frozen=True)
class AppNetworkProps:
    # MongoDB runs in the cluster (egress to its pods) or elsewhere (egress to the internet).
    in_cluster_mongodb: bool = True
    # A worker Deployment runs (it gets its own policy).
    worker: bool = True
    # Certificates are issued (cert-manager's HTTP-01 solver must be reachable).
    tls: bool = False


class AppNetworkPolicies(Construct):
    def __init__(self, scope: Construct, id: str, *, props: AppNetworkProps) -> None:
        super().__init__(scope, id)
        ns = c.APP_NAMESPACE
        from_ingress = {"namespaceSelector": namespace_selector(c.INGRESS_NAMESPACE)}
        https_out = {"to": [INTERNET_PEER], "ports": tcp(443)}
        network_policy(
            self,
            name=c.FRONTEND,
            namespace=ns,
            pods=selector_labels(c.FRONTEND),
            ingress=[{"from": [from_ingress], "ports": tcp(c.FRONTEND_PORT)}],
            egress=[
                {"to": [{"podSelector": {"matchLabels": selector_labels(c.BACKEND)}}], "ports": tcp(c.BACKEND_PORT)},
                mongodb_egress(props.in_cluster_mongodb),
                https_out,
            ],
        )
        network_policy(
            self,
            name=c.BACKEND,
            namespace=ns,
            pods=selector_labels(c.BACKEND),
            ingress=[
                {
                    "from": [from_ingress, {"podSelector": {"matchLabels": selector_labels(c.FRONTEND)}}],
                    "ports": tcp(c.BACKEND_PORT),
                }
            ],
            egress=[mongodb_egress(props.in_cluster_mongodb), https_out],
        )
        if props.worker:
            network_policy(
                self,
                name=c.WORKER,
                namespace=ns,
                pods=selector_labels(c.WORKER),
                ingress=[],
                egress=[mongodb_egress(props.in_cluster_mongodb), https_out],
            )
        if props.tls:
            # Let's Encrypt fetches the HTTP-01 token through ingress-nginx, which proxies to the solver pod
            # cert-manager starts in this namespace; without this, certificates are never issued.
            network_policy(
                self,
                name="acme-http01-solver",
                namespace=ns,
                pods=dict(c.ACME_HTTP01_SOLVER_LABELS),
                ingress=[{"from": [from_ingress], "ports": tcp(c.ACME_HTTP01_SOLVER_PORT)}],
                annotations={
                    "validate.docrouter.dev/exempt-ref-networkpolicy-selector": (
                        "selects cert-manager's HTTP-01 solver pods, which cert-manager creates at runtime"
                    ),
                },
            )
