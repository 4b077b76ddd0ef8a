"""The flows the platform needs and the flows it must never allow: one place, one line of why each.

An end is a set of pod roles (a pod's role: app.kubernetes.io/name for our workloads, the fixture's
name for runtime pods, see runtime.py), optionally narrowed to or excluding namespaces, and/or an
address outside the cluster. A flow is checked at every stage where both ends have pods (or an
address). A forbidden flow never counts connections a required flow lists between the same pods,
so "doc-router pods → each other" forbids everything except the listed flows.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from docrouter import constants as c
from docrouter.migration_names import MIGRATION
from docrouter.providers import ApiServer
from docrouter_tools.netflow.runtime import (
    ACME_SOLVER,
    CERT_MANAGER_CAINJECTOR,
    CERT_MANAGER_CONTROLLER,
    CERT_MANAGER_WEBHOOK,
    DNS,
    INGRESS_CONTROLLER,
    MONGODB_OPERATOR,
    RuntimePod,
    mongot_role,
)

REQUIRED, FORBIDDEN = "required", "forbidden"
# Addresses outside the cluster, each a representative of what it stands for.
INTERNET = "203.0.113.10"  # a public address (RFC 5737 documentation range): LLM APIs, S3, OAuth providers
CLOUD_METADATA = "169.254.169.254"  # the instance metadata service on EKS (IMDS) and DigitalOcean alike
# The API server as pods reach it behind the `kubernetes` Service, and as the source of webhook calls:
# an address outside the pod network, inside every provider's API-server range (providers.py): Kind's
# control-plane node on the `kind` Docker network, like EKS's control-plane ENIs a private address.
KUBE_API = "172.18.0.2"
# Its port per provider (providers.py ApiServer.port): 6443 on Kind, 443 on the managed ones.
MANAGED = ("aws", "digitalocean")
# Flow.api_server: where the environment knows its API server's addresses (providers.py, or DOKS with
# api_server_cidrs), or where the egress to it is any address (DOKS without).
KNOWN, ANY = "known", "any"


def api_server_open(api: ApiServer) -> bool:
    """The egress to the API server admits every address (DOKS without api_server_cidrs)."""
    return any(ipaddress.ip_network(cidr).prefixlen == 0 for cidr in api.cidrs)


def api_server_address(api: ApiServer) -> str:
    """The API server's representative address for the proof: KUBE_API where the range holds it, else the
    first address the environment names (api_server_cidrs)."""
    networks = [ipaddress.ip_network(cidr) for cidr in api.cidrs]
    if any(ipaddress.ip_address(KUBE_API) in network for network in networks):
        return KUBE_API
    first = networks[0]
    return str(first.network_address if first.num_addresses == 1 else next(first.hosts()))


APP_ROLES = (c.FRONTEND, c.BACKEND, c.WORKER, MIGRATION)
MONGODB_MEMBERS = c.MONGODB_NAME  # the MongoDBCommunity's members (pods the operator creates)
MONGOT = mongot_role(c.MONGODB_NAME)  # pods of the MongoDBSearch (mongot, its own StatefulSet)


@dataclass(frozen=True)
class End:
    text: str  # how the README and messages name it
    roles: tuple[str, ...] = ()  # () with every_pod: any pod
    every_pod: bool = False
    namespace: str | None = None  # only pods in this namespace
    except_namespaces: tuple[str, ...] = ()
    except_pods: tuple[tuple[str, str], ...] = ()  # (namespace, role) pairs left out
    address: str | None = None

    def pods(self, pods: tuple[RuntimePod, ...]) -> list[RuntimePod]:
        return [
            p
            for p in pods
            if (self.every_pod or p.role in self.roles)
            and (self.namespace is None or p.namespace == self.namespace)
            and p.namespace not in self.except_namespaces
            and (p.namespace, p.role) not in self.except_pods
        ]


@dataclass(frozen=True)
class Flow:
    id: str
    kind: str  # REQUIRED or FORBIDDEN
    src: End
    dst: End
    ports: tuple[tuple[str, int], ...] | None  # None: any protocol and port
    why: str
    providers: tuple[str, ...] = ()  # only where the cluster runs on these (providers.py); (): everywhere
    api_server: str = ""  # KNOWN or ANY: only where the API server's addresses are known, or are not; "": both

    def applies_to(self, provider: str, api_open: bool = False) -> bool:
        if self.api_server and self.api_server != (ANY if api_open else KNOWN):
            return False
        return not self.providers or provider in self.providers

    def describe(self) -> str:
        ports = "any port" if self.ports is None else ", ".join(f"{proto} {port}" for proto, port in self.ports)
        return f"{self.src.text} → {self.dst.text} ({ports})"


def tcp(*ports: int) -> tuple[tuple[str, int], ...]:
    return tuple(("TCP", p) for p in ports)


def _roles(text: str, *roles: str, namespace: str | None = None) -> End:
    return End(text, roles=roles, namespace=namespace)


EVERY_POD = End("every pod", every_pod=True)
KUBE_DNS = _roles("kube-dns", DNS, namespace="kube-system")
INGRESS = _roles("ingress-nginx", INGRESS_CONTROLLER, namespace=c.INGRESS_NAMESPACE)
FRONTEND = _roles(c.FRONTEND, c.FRONTEND, namespace=c.APP_NAMESPACE)
BACKEND = _roles(c.BACKEND, c.BACKEND, namespace=c.APP_NAMESPACE)
APP = _roles("app pods (frontend, backend, worker, migrate)", *APP_ROLES, namespace=c.APP_NAMESPACE)
SOLVER = _roles("HTTP-01 solver", ACME_SOLVER, namespace=c.APP_NAMESPACE)
MEMBERS = _roles("MongoDB members", MONGODB_MEMBERS, namespace=c.MONGODB_NAMESPACE)
MONGOT_PODS = _roles("mongot", MONGOT, namespace=c.MONGODB_NAMESPACE)
MONGODB = _roles("MongoDB (members and mongot)", MONGODB_MEMBERS, MONGOT, namespace=c.MONGODB_NAMESPACE)
PUBLIC = End("internet", address=INTERNET)
METADATA = End("cloud metadata 169.254.169.254", address=CLOUD_METADATA)
OUTSIDE_INGRESS = End("any pod outside ingress-nginx", every_pod=True, except_namespaces=(c.INGRESS_NAMESPACE,))
NOT_APP_OR_MONGODB = End(
    "any pod outside doc-router's app pods and mongodb",
    every_pod=True,
    except_namespaces=(c.MONGODB_NAMESPACE,),
    except_pods=tuple((c.APP_NAMESPACE, role) for role in APP_ROLES),
)
DOC_ROUTER_PODS = End("pods in doc-router", every_pod=True, namespace=c.APP_NAMESPACE)
APP_SERVERS = _roles("frontend/backend", c.FRONTEND, c.BACKEND, namespace=c.APP_NAMESPACE)
DNS_PORTS = (("UDP", 53), ("TCP", 53))
API_SERVER = End("API server", address=KUBE_API)
API_CLIENTS = End(
    "controllers and MongoDB members",
    roles=(
        INGRESS_CONTROLLER,
        CERT_MANAGER_CONTROLLER,
        CERT_MANAGER_WEBHOOK,
        CERT_MANAGER_CAINJECTOR,
        MONGODB_OPERATOR,
    ),
)
CERT_MANAGER = _roles("cert-manager controller", CERT_MANAGER_CONTROLLER, namespace=c.CERT_MANAGER_NAMESPACE)
CERT_MANAGER_WEBHOOK_POD = _roles("cert-manager webhook", CERT_MANAGER_WEBHOOK, namespace=c.CERT_MANAGER_NAMESPACE)
QUIET_CONTROLLERS = End(
    "MongoDB operator, cert-manager controller and cainjector",
    roles=(MONGODB_OPERATOR, CERT_MANAGER_CONTROLLER, CERT_MANAGER_CAINJECTOR),
)

FLOWS: tuple[Flow, ...] = (
    Flow(
        "dns",
        REQUIRED,
        EVERY_POD,
        KUBE_DNS,
        DNS_PORTS,
        "every pod resolves names (Services, MongoDB members, external APIs) through cluster DNS",
    ),
    Flow(
        "ingress-frontend",
        REQUIRED,
        INGRESS,
        FRONTEND,
        tcp(c.FRONTEND_PORT),
        "users reach the Next.js frontend through ingress-nginx (`/`)",
    ),
    Flow(
        "ingress-backend",
        REQUIRED,
        INGRESS,
        BACKEND,
        tcp(c.BACKEND_PORT),
        "the browser calls the API through ingress-nginx (`/fastapi`)",
    ),
    Flow(
        "ingress-acme-solver",
        REQUIRED,
        INGRESS,
        SOLVER,
        tcp(c.ACME_HTTP01_SOLVER_PORT),
        "Let's Encrypt's HTTP-01 check reaches cert-manager's solver through ingress-nginx; no certificate otherwise",
    ),
    Flow(
        "frontend-backend",
        REQUIRED,
        FRONTEND,
        BACKEND,
        tcp(c.BACKEND_PORT),
        "the frontend's server side calls the API (FASTAPI_BACKEND_URL)",
    ),
    Flow(
        "app-mongodb",
        REQUIRED,
        APP,
        MEMBERS,
        tcp(c.MONGODB_PORT),
        "backend, worker and migration use the database; the frontend too (NextAuth users and sessions)",
    ),
    Flow(
        "mongodb-replication",
        REQUIRED,
        MEMBERS,
        MEMBERS,
        tcp(c.MONGODB_PORT),
        "replica set members replicate and elect between each other",
    ),
    Flow(
        "mongod-mongot",
        REQUIRED,
        MEMBERS,
        MONGOT_PODS,
        tcp(c.MONGOT_GRPC_PORT),
        "mongod forwards $search / $vectorSearch and index management to mongot (gRPC, operator's mongotHost)",
    ),
    Flow(
        "mongot-mongod",
        REQUIRED,
        MONGOT_PODS,
        MEMBERS,
        tcp(c.MONGODB_PORT),
        "mongot syncs the collections it indexes from the replica set",
    ),
    Flow(
        "app-internet-https",
        REQUIRED,
        APP,
        PUBLIC,
        tcp(443),
        "the app calls LLM APIs, S3 and OAuth providers over HTTPS",
    ),
    Flow(
        "internet-ingress",
        REQUIRED,
        PUBLIC,
        INGRESS,
        tcp(80, 443),
        "users and Let's Encrypt reach ingress-nginx through the load balancer (Kind: host ports)",
    ),
    *(
        Flow(
            f"{name}-kube-api{suffix}",
            REQUIRED,
            src,
            API_SERVER,
            tcp(port),
            why,
            providers,
        )
        for name, src, why in (
            ("controllers", API_CLIENTS, "controllers watch and write their objects through the API server"),
            ("mongodb", MEMBERS, "the members' readiness probe and upgrade hook annotate their own pod"),
        )
        for suffix, port, providers in (("", 443, MANAGED), ("-kind", 6443, ("kind",)))
    ),
    Flow(
        "no-mongodb-internet",
        FORBIDDEN,
        MONGODB,
        PUBLIC,
        None,
        "the database talks to the internet on no port: its API-server egress names the API server's addresses",
        api_server=KNOWN,
    ),
    Flow(
        "no-mongodb-internet-but-https",
        FORBIDDEN,
        MONGODB,
        PUBLIC,
        (*tcp(80, 6443, c.MONGODB_PORT), ("UDP", 443)),
        "without the control plane's address (api_server_cidrs unset) the members reach any address on TCP 443 "
        "and nothing else: set it at bootstrap (docs/bootstrap.md)",
        ("digitalocean",),
        api_server=ANY,
    ),
    Flow(
        "kube-api-ingress-webhook",
        REQUIRED,
        API_SERVER,
        INGRESS,
        tcp(8443),
        "the API server asks ingress-nginx's admission webhook about every Ingress",
    ),
    Flow(
        "kube-api-cert-manager-webhook",
        REQUIRED,
        API_SERVER,
        CERT_MANAGER_WEBHOOK_POD,
        tcp(10250),
        "the API server asks cert-manager's webhook about every cert-manager object; none is accepted otherwise",
    ),
    Flow(
        "cert-manager-acme",
        REQUIRED,
        CERT_MANAGER,
        PUBLIC,
        tcp(443, 80),
        "cert-manager registers with Let's Encrypt (HTTPS) and self-checks its HTTP-01 token via the public host",
    ),
    Flow(
        "no-app-kube-api",
        FORBIDDEN,
        APP,
        API_SERVER,
        None,
        "the app has no business with the API server (its pods mount no token either)",
    ),
    Flow(
        "no-pod-to-quiet-controllers",
        FORBIDDEN,
        EVERY_POD,
        QUIET_CONTROLLERS,
        None,
        "nothing connects to the operator, cert-manager's controller or cainjector (metrics stay closed)",
    ),
    Flow(
        "no-internet-quiet-controllers",
        FORBIDDEN,
        PUBLIC,
        QUIET_CONTROLLERS,
        None,
        "controllers are never reachable from outside",
    ),
    Flow(
        "no-ingress-metrics",
        FORBIDDEN,
        EVERY_POD,
        INGRESS,
        tcp(10254),
        "ingress-nginx's metrics stay closed until something scrapes them",
    ),
    Flow(
        "no-direct-frontend-backend",
        FORBIDDEN,
        OUTSIDE_INGRESS,
        APP_SERVERS,
        None,
        "only ingress-nginx fronts the app: no bypass of its TLS, limits and routing",
    ),
    Flow(
        "no-internet-frontend-backend",
        FORBIDDEN,
        PUBLIC,
        APP_SERVERS,
        None,
        "the app is published only through ingress-nginx",
    ),
    Flow(
        "no-foreign-mongodb",
        FORBIDDEN,
        NOT_APP_OR_MONGODB,
        MONGODB,
        None,
        "only the app's pods and MongoDB itself may reach the database",
    ),
    Flow("no-internet-mongodb", FORBIDDEN, PUBLIC, MONGODB, None, "the database is never reachable from outside"),
    Flow(
        "no-app-metadata",
        FORBIDDEN,
        APP,
        METADATA,
        None,
        "app pods must not read node credentials from the cloud metadata service",
    ),
    Flow(
        "no-doc-router-lateral",
        FORBIDDEN,
        DOC_ROUTER_PODS,
        DOC_ROUTER_PODS,
        None,
        "pods in doc-router reach each other only through the flows listed above",
    ),
)


def _where(flow: Flow) -> str:
    where = list(flow.providers)
    if flow.api_server:
        where.append({KNOWN: "API server's addresses known", ANY: "api_server_cidrs unset"}[flow.api_server])
    return f" ({', '.join(where)})" if where else ""


def readme_table() -> str:
    """The README's flow section body: generated from FLOWS (a test checks the README matches)."""
    rows = ["| flow | kind | from → to (ports) | why |", "| --- | --- | --- | --- |"]
    rows += [f"| `{f.id}` | {f.kind}{_where(f)} | {f.describe()} | {f.why} |" for f in FLOWS]
    return "\n".join(rows)
