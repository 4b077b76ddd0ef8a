"""Pods a cluster runs that dist/ does not contain, as data read from the pinned upstream versions.

A stage is our manifests plus these pods. They are derived from what the stage holds: the provider's
CoreDNS always; a controller's pods once its HelmRelease is applied; cert-manager's HTTP-01 solver once
an Ingress asks for a certificate; the MongoDB operator's pods once a MongoDBCommunity / MongoDBSearch
exists. Each fact names the file (and version) it was read from. A HelmRelease pinning a chart version
other than the one read here is an error: the labels must be re-read before the proof means anything.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from docrouter import constants as c
from docrouter.operated import community_pod_sets, search_pod_sets

TCP, UDP = "TCP", "UDP"

# Roles: what flows refer to (a pod's role is its app.kubernetes.io/name for our own workloads).
DNS = "kube-dns"
INGRESS_CONTROLLER = "ingress-nginx-controller"
ACME_SOLVER = "acme-http01-solver"
MONGODB_OPERATOR = "mongodb-kubernetes-operator"
CERT_MANAGER_CONTROLLER = "cert-manager"
CERT_MANAGER_WEBHOOK = "cert-manager-webhook"
CERT_MANAGER_CAINJECTOR = "cert-manager-cainjector"


class RuntimeFixtureError(Exception):
    """The stage holds something this fixture was not read for; the message says what to re-read."""


@dataclass(frozen=True)
class RuntimePod:
    role: str
    namespace: str
    name: str
    labels: dict[str, str]
    ports: tuple[tuple[str, int], ...] = ()
    source: str = ""

    def manifest(self) -> dict[str, Any]:
        ports = [{"containerPort": port, "protocol": protocol} for protocol, port in self.ports]
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": self.name, "namespace": self.namespace, "labels": dict(self.labels)},
            "spec": {"containers": [{"name": "main", "image": "runtime", "ports": ports}]},
        }


# --- CoreDNS, per provider ------------------------------------------------------------------------
DNS_PORTS = ((UDP, 53), (TCP, 53), (TCP, 9153))
KUBEADM_COREDNS = "kubernetes/kubernetes cmd/kubeadm/app/phases/addons/dns/manifests.go (kubeadm, v1.37)"
DNS_LABELS: dict[str, tuple[dict[str, str], str]] = {
    # kind v0.33.0 (node image v1.37.0) installs CoreDNS with kubeadm.
    "kind": ({"k8s-app": "kube-dns"}, f"{KUBEADM_COREDNS}, as used by kind v0.33.0"),
    # The EKS CoreDNS add-on labels its objects with both keys; its kube-dns Service selects k8s-app.
    "aws": (
        {"k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns"},
        "Amazon EKS CoreDNS add-on (docs.aws.amazon.com/eks/latest/userguide/add-ons-coredns.html)",
    ),
    # DOKS runs a managed Deployment `coredns` in kube-system; DigitalOcean does not publish its manifest.
    # k8s-app=kube-dns is what the kube-dns Service selects upstream. Unverified on a live DOKS cluster:
    # `kubectl -n kube-system get pods -l k8s-app=kube-dns` must list the CoreDNS pods.
    "digitalocean": (
        {"k8s-app": "kube-dns"},
        "docs.digitalocean.com/products/kubernetes/how-to/customize-coredns/ + upstream kube-dns selector",
    ),
}


def dns_pods(provider: str) -> list[RuntimePod]:
    if provider not in DNS_LABELS:
        raise RuntimeFixtureError(
            f"provider '{provider}' has no CoreDNS labels in tools/docrouter_tools/netflow/runtime.py. "
            "Fix: add its kube-dns pod labels to DNS_LABELS, read from the provider's documentation"
        )
    labels, source = DNS_LABELS[provider]
    return [RuntimePod(DNS, "kube-system", "coredns-0", labels, DNS_PORTS, source)]


# --- Controllers installed by HelmReleases ---------------------------------------------------------
INGRESS_NGINX_READ = "4.15.1"  # chart 4.15.1 = controller 1.15.1
INGRESS_NGINX_SOURCE = (
    "kubernetes/ingress-nginx helm-chart-4.15.1: charts/ingress-nginx/templates/_helpers.tpl "
    "(ingress-nginx.labels, ingress-nginx.selectorLabels), templates/controller-deployment.yaml, values.yaml"
)
MONGODB_OPERATOR_READ = "1.9.1"
MONGODB_OPERATOR_SOURCE = "mongodb/mongodb-kubernetes 1.9.1: helm_chart/templates/operator.yaml, values.yaml"
MONGODB_WEBHOOK_PORT = 1993  # MDB_WEBHOOK_PORT default (helm_chart/values.yaml, operator.webhook)


def _ingress_nginx(release: str, namespace: str, values: dict) -> list[RuntimePod]:
    controller = values.get("controller") or {}
    name = values.get("nameOverride") or "ingress-nginx"
    labels = {
        "helm.sh/chart": f"ingress-nginx-{INGRESS_NGINX_READ}",
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": release,
        "app.kubernetes.io/version": "1.15.1",
        "app.kubernetes.io/part-of": name,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/component": "controller",
        **(controller.get("labels") or {}),
        **(controller.get("podLabels") or {}),
    }
    ports = ((TCP, 80), (TCP, 443), (TCP, 10254), (TCP, 8443))  # http, https, metrics, admission webhook
    return [RuntimePod(INGRESS_CONTROLLER, namespace, f"{release}-controller-0", labels, ports, INGRESS_NGINX_SOURCE)]


def _mongodb_operator(release: str, namespace: str, values: dict) -> list[RuntimePod]:
    name = (values.get("operator") or {}).get("name") or "mongodb-kubernetes-operator"
    labels = {
        "app.kubernetes.io/component": "controller",
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": name,
    }
    ports = ((TCP, MONGODB_WEBHOOK_PORT),)
    return [RuntimePod(MONGODB_OPERATOR, namespace, f"{name}-0", labels, ports, MONGODB_OPERATOR_SOURCE)]


# v1.19.1 → v1.19.6 changes only how nodeSelector merges in these templates (git diff of the tags).
CERT_MANAGER_READ = "v1.19.6"
CERT_MANAGER_SOURCE = (
    "cert-manager/cert-manager deploy/charts/cert-manager/templates/{deployment,webhook-deployment,"
    "cainjector-deployment}.yaml (pod labels app, app.kubernetes.io/name/instance/component; read in a "
    "rendered copy of an older release, unchanged in form), values.yaml v1.19.6 (webhook.securePort 10250)"
)
CERT_MANAGER_WEBHOOK_PORT = 10250
CERT_MANAGER_METRICS_PORT = 9402


def _cert_manager(release: str, namespace: str, values: dict) -> list[RuntimePod]:
    pods = []
    for name, role, ports in (
        ("cert-manager", CERT_MANAGER_CONTROLLER, ((TCP, CERT_MANAGER_METRICS_PORT),)),
        ("webhook", CERT_MANAGER_WEBHOOK, ((TCP, CERT_MANAGER_WEBHOOK_PORT),)),
        ("cainjector", CERT_MANAGER_CAINJECTOR, ((TCP, CERT_MANAGER_METRICS_PORT),)),
    ):
        component = "controller" if name == "cert-manager" else name
        labels = {
            "app": name,
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/instance": release,
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/version": CERT_MANAGER_READ,
        }
        pods.append(RuntimePod(role, namespace, f"{release}-{name}-0", labels, ports, CERT_MANAGER_SOURCE))
    return pods


@dataclass(frozen=True)
class ChartFixture:
    version: str
    pods: Any  # (release, namespace, values) -> list[RuntimePod]


CHARTS = {
    "ingress-nginx": ChartFixture(INGRESS_NGINX_READ, _ingress_nginx),
    "cert-manager": ChartFixture(CERT_MANAGER_READ, _cert_manager),
    "mongodb-kubernetes": ChartFixture(MONGODB_OPERATOR_READ, _mongodb_operator),
}


def helm_release_pods(release: dict) -> list[RuntimePod]:
    meta, spec = release.get("metadata") or {}, release.get("spec") or {}
    chart = (spec.get("chart") or {}).get("spec") or {}
    fixture = CHARTS.get(str(chart.get("chart")))
    if fixture is None:
        return []
    if str(chart.get("version")) != fixture.version:
        raise RuntimeFixtureError(
            f"HelmRelease {meta.get('namespace')}/{meta.get('name')} pins chart {chart.get('chart')} "
            f"{chart.get('version')}, but its pod labels in tools/docrouter_tools/netflow/runtime.py were "
            f"read from {fixture.version}. Fix: re-read the labels and ports from the chart's "
            f"{chart.get('version')} source and update CHARTS"
        )
    namespace = spec.get("targetNamespace") or meta.get("namespace")
    return fixture.pods(spec.get("releaseName") or meta.get("name"), namespace, spec.get("values") or {})


# --- cert-manager's HTTP-01 solver -----------------------------------------------------------------
ACME_SOLVER_SOURCE = "cert-manager/cert-manager v1.19.6: pkg/issuer/acme/http/pod.go (podLabels, buildDefaultPod)"
ISSUER_ANNOTATIONS = ("cert-manager.io/cluster-issuer", "cert-manager.io/issuer")


def solver_pods(ingress: dict) -> list[RuntimePod]:
    """ingress-shim turns an annotated Ingress with tls into a Certificate; HTTP-01 starts a solver pod."""
    meta, spec = ingress.get("metadata") or {}, ingress.get("spec") or {}
    if not any(a in (meta.get("annotations") or {}) for a in ISSUER_ANNOTATIONS) or not spec.get("tls"):
        return []
    pods: list[RuntimePod] = []
    for tls in spec["tls"]:
        for host in tls.get("hosts") or []:
            labels = {
                "acme.cert-manager.io/http-domain": str(zlib.adler32(host.encode())),
                "acme.cert-manager.io/http-token": str(zlib.adler32(b"token")),
                **c.ACME_HTTP01_SOLVER_LABELS,
            }
            name = f"cm-acme-http-solver-{len(pods)}"
            port = ((TCP, c.ACME_HTTP01_SOLVER_PORT),)
            pods.append(RuntimePod(ACME_SOLVER, meta.get("namespace", ""), name, labels, port, ACME_SOLVER_SOURCE))
    return pods


# --- Pods the MongoDB operator creates ---------------------------------------------------------------
COMMUNITY_SOURCE = (
    "mongodb/mongodb-kubernetes 1.9.1: mongodb-community-operator/controllers/construct/mongodbstatefulset.go "
    "(labels app=<ServiceName>), api/v1/mongodbcommunity_types.go (ServiceName = <name>-svc), "
    "pkg/automationconfig/automation_config.go (DefaultDBPort 27017)"
)
SEARCH_SOURCE = (
    "mongodb/mongodb-kubernetes 1.9.1: controllers/searchcontroller/mongodbsearch_reconcile_helper.go "
    "(podLabels app=<name>-search-<index>-svc, mongotHostAndPort), search_construction.go, "
    "api/mongodb/v1/search/mongodbsearch_types.go (ports)"
)
MONGOT_WIREPROTO_PORT = 27027  # only with the force-wireproto annotation
MONGOT_HEALTH_PORT = 8080  # MongotDefautHealthCheckPort (kubelet probes)
MONGOT_PROMETHEUS_PORT = 9946  # MongotDefaultPrometheusPort (when spec.observability.prometheus is enabled)
MONGODB_DEFAULT_PORT = 27017


def mongot_role(search_name: str) -> str:
    return f"{search_name}-search"


def mongod_port(spec: dict) -> int:
    config = spec.get("additionalMongodConfig") or {}
    port = config.get("net.port", (config.get("net") or {}).get("port"))
    return int(port) if port else MONGODB_DEFAULT_PORT


def community_pods(resource: dict) -> list[RuntimePod]:
    meta, spec = resource.get("metadata") or {}, resource.get("spec") or {}
    port = ((TCP, mongod_port(spec)),)
    # Two members are enough to prove member ↔ member.
    return [
        RuntimePod(statefulset, meta.get("namespace", ""), f"{statefulset}-{i}", labels, port, COMMUNITY_SOURCE)
        for statefulset, labels, members in community_pod_sets(resource)
        for i in range(min(members, 2))
    ]


def search_pods(resource: dict) -> list[RuntimePod]:
    meta = resource.get("metadata") or {}
    ports = ((TCP, c.MONGOT_GRPC_PORT), (TCP, MONGOT_HEALTH_PORT), (TCP, MONGOT_PROMETHEUS_PORT))
    return [
        RuntimePod(
            mongot_role(meta.get("name", "")),
            meta.get("namespace", ""),
            f"{statefulset}-{i}",
            labels,
            ports,
            SEARCH_SOURCE,
        )
        for statefulset, labels, replicas in search_pod_sets(resource)
        for i in range(min(replicas, 2))
    ]


OPERATOR_RESOURCES = {"MongoDBCommunity": community_pods, "MongoDBSearch": search_pods}


def runtime_pods(provider: str, objects: Iterable[dict]) -> list[RuntimePod]:
    """What the provider and the controllers run for a stage holding `objects`."""
    pods = dns_pods(provider)
    for obj in objects:
        kind = obj.get("kind")
        if kind == "HelmRelease":
            pods += helm_release_pods(obj)
        elif kind == "Ingress":
            pods += solver_pods(obj)
        elif kind in OPERATOR_RESOURCES:
            pods += OPERATOR_RESOURCES[kind](obj)
    return pods
