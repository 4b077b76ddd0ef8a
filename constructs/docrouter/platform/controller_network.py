"""NetworkPolicies of the controllers' namespaces: deny by default, then the flows each controller needs.

Pod labels are the charts' own (each read at our pin, see tools/netflow/runtime.py); the flows are
proven per Flux stage by docrouter_tools.netflow like the app's.

- ingress-nginx: anyone may reach the controller's HTTP and HTTPS ports (it is the way in); the API
  server calls its admission webhook (8443, controller.admissionWebhooks.port in helm-chart-4.13.7
  values.yaml); the controller proxies to the app's pods and watches the API. Metrics (10254) stay
  closed: nothing scrapes them yet.
- cert-manager: the controller talks to Let's Encrypt (HTTPS) and checks its own HTTP-01 token
  through the public load balancer (HTTP) before asking Let's Encrypt to; the API server calls the
  webhook (10250, webhook.securePort in v1.19.1 values.yaml); every pod watches the API.
- mongodb-operator: the operator only talks to the API server (its webhook is not registered,
  infrastructure.py); nothing connects to it.

The API server calls webhooks from outside the pod network, at an address that differs per cluster,
so those rules admit any address (ipBlock 0.0.0.0/0) on the webhook's port only: a CNI that matches
ipBlocks against pod addresses too (kindnet, the EKS VPC CNI) then also lets pods reach that port.
The webhooks authenticate nothing but serve only admission reviews over TLS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from docrouter import constants as c
from docrouter.platform.network import (
    INTERNET_PEER,
    kube_api_egress,
    namespace_baseline,
    namespace_selector,
    network_policy,
    tcp,
)
from docrouter.providers import ApiServer

INGRESS_HTTP_PORTS = (80, 443)
INGRESS_WEBHOOK_PORT = 8443
CERT_MANAGER_WEBHOOK_PORT = 10250
# The API server, as a source: outside the pod network, at an address that differs per cluster.
FROM_API_SERVER = {"ipBlock": {"cidr": "0.0.0.0/0"}}
# validate's ref/networkpolicy-selector: these select pods a Helm chart creates, not dist/.
CHART_PODS = {
    "validate.docrouter.dev/exempt-ref-networkpolicy-selector": "selects pods its Helm chart creates at runtime"
}


def chart_pods(name: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component}


INGRESS_CONTROLLER_PODS = {**chart_pods("ingress-nginx", "controller"), "app.kubernetes.io/instance": "ingress-nginx"}
CERT_MANAGER_CONTROLLER_PODS = chart_pods("cert-manager", "controller")
CERT_MANAGER_WEBHOOK_PODS = chart_pods("webhook", "webhook")
MONGODB_OPERATOR_PODS = chart_pods("mongodb-kubernetes-operator", "controller")


def _app_pods(name: str, port: int) -> dict[str, Any]:
    return {
        "to": [
            {
                "namespaceSelector": namespace_selector(c.APP_NAMESPACE),
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": name}},
            }
        ],
        "ports": tcp(port),
    }


@dataclass(frozen=True)
class ControllerNetworkProps:
    # Where the controllers reach the API server (the provider's, providers.py).
    api_server: ApiServer
    # Certificates are issued: cert-manager runs, and ingress-nginx reaches the HTTP-01 solver pods.
    tls: bool = False
    # MongoDB runs in the cluster: the operator's namespace exists.
    in_cluster_mongodb: bool = True


class ControllerNetworkPolicies(Construct):
    """Shipped with the namespaces (controllers layer), so they are in place before the charts' pods."""

    def __init__(self, scope: Construct, id: str, *, props: ControllerNetworkProps) -> None:
        super().__init__(scope, id)
        self.api_server = props.api_server
        self._ingress_nginx(props)
        if props.tls:
            self._cert_manager()
        if props.in_cluster_mongodb:
            self._mongodb_operator()

    def _api_for_every_pod(self, namespace: str) -> None:
        # Controllers and their Helm hook Jobs (ingress-nginx's admission certificate Jobs,
        # cert-manager's startupapicheck) all call the API server.
        network_policy(self, name="kube-api", namespace=namespace, pods={}, egress=[kube_api_egress(self.api_server)])

    def _ingress_nginx(self, props: ControllerNetworkProps) -> None:
        ns = c.INGRESS_NAMESPACE
        namespace_baseline(self, ns)
        self._api_for_every_pod(ns)
        upstreams = [_app_pods("frontend", c.FRONTEND_PORT), _app_pods("backend", c.BACKEND_PORT)]
        if props.tls:
            upstreams.append(
                {
                    "to": [
                        {
                            "namespaceSelector": namespace_selector(c.APP_NAMESPACE),
                            "podSelector": {"matchLabels": dict(c.ACME_HTTP01_SOLVER_LABELS)},
                        }
                    ],
                    "ports": tcp(c.ACME_HTTP01_SOLVER_PORT),
                }
            )
        network_policy(
            self,
            name="controller",
            namespace=ns,
            pods=INGRESS_CONTROLLER_PODS,
            ingress=[
                {"ports": tcp(*INGRESS_HTTP_PORTS)},  # from anywhere: the way in
                {"from": [FROM_API_SERVER], "ports": tcp(INGRESS_WEBHOOK_PORT)},
            ],
            egress=upstreams,
            annotations=CHART_PODS,
        )

    def _cert_manager(self) -> None:
        ns = c.CERT_MANAGER_NAMESPACE
        namespace_baseline(self, ns)
        self._api_for_every_pod(ns)
        network_policy(
            self,
            name="controller",
            namespace=ns,
            pods=CERT_MANAGER_CONTROLLER_PODS,
            ingress=[],
            # ACME over HTTPS; the HTTP-01 self-check goes to the host's public address over HTTP.
            egress=[{"to": [INTERNET_PEER], "ports": tcp(443, 80)}],
            annotations=CHART_PODS,
        )
        network_policy(
            self,
            name="webhook",
            namespace=ns,
            pods=CERT_MANAGER_WEBHOOK_PODS,
            ingress=[{"from": [FROM_API_SERVER], "ports": tcp(CERT_MANAGER_WEBHOOK_PORT)}],
            annotations=CHART_PODS,
        )

    def _mongodb_operator(self) -> None:
        ns = c.MONGODB_OPERATOR_NAMESPACE
        namespace_baseline(self, ns)
        network_policy(
            self,
            name="operator",
            namespace=ns,
            pods=MONGODB_OPERATOR_PODS,
            ingress=[],
            egress=[kube_api_egress(self.api_server)],
            annotations=CHART_PODS,
        )
