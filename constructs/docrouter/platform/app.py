"""The doc-router application: configuration, the three processes and the route in."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from constructs import Construct

from docrouter import config
from docrouter import constants as c
from docrouter.config import Environment
from docrouter.constants import BACKEND, FRONTEND, WORKER
from docrouter.platform import api_objects
from docrouter.platform.building_blocks import api_object, exec_probe, http_probe, labels
from docrouter.platform.network import AppNetworkPolicies, AppNetworkProps
from docrouter.platform.workload import AppWorkload, WorkloadProps


def backend_url() -> str:
    """Cluster DNS name of the backend Service, used by the frontend's server side."""
    return f"http://{BACKEND}.{c.APP_NAMESPACE}.svc.cluster.local:{c.BACKEND_PORT}"


def app_config(env: Environment) -> dict[str, str]:
    """Non-secret settings shared by every app process (the doc-router-config ConfigMap)."""
    return {
        "ENV": env.app_env,
        "NEXTAUTH_URL": env.public_url,
        "PUBLIC_API_URL": f"{env.public_url}{c.FASTAPI_ROOT_PATH}",
        "FASTAPI_ROOT_PATH": c.FASTAPI_ROOT_PATH,
        "FASTAPI_BACKEND_URL": backend_url(),
        # With a separate worker Deployment the backend must not also consume the queue.
        "DOCROUTER_WORKERS_ENABLED": "0" if env.worker else "1",
        "N_UVICORN_WORKERS": str(env.backend.uvicorn_workers),
        "AWS_S3_BUCKET_NAME": env.s3.bucket,
        "AWS_REGION": env.s3.region,
        "CORS_ORIGINS_EXTRA": ",".join(env.cors_origins_extra),
    }


def config_annotation(data: dict[str, str]) -> dict[str, str]:
    """Pod annotation that changes with the ConfigMap's data, so a config change rolls the pods.

    A content hash in an annotation (not in a name): names stay stable for Flux.
    """
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return {"checksum/config": digest[:16]}


@dataclass(frozen=True)
class AppConfigProps:
    # The ConfigMap's data: non-secret settings every app process reads (app_config).
    data: dict[str, str] = field(default_factory=dict)


class AppConfig(Construct):
    def __init__(self, scope: Construct, id: str, *, props: AppConfigProps) -> None:
        super().__init__(scope, id)
        api_object(
            self,
            api_objects.ConfigMap,
            name=c.CONFIG_MAP_NAME,
            namespace=c.APP_NAMESPACE,
            labels=labels("doc-router", "config"),
            body={"data": dict(props.data)},
        )


@dataclass(frozen=True)
class FrontendProps:
    # Release tag, replicas and resources (environments/<env>.yaml `frontend`).
    frontend: config.Frontend
    # Rolls the pods when the ConfigMap changes (config_annotation).
    pod_annotations: dict[str, str] = field(default_factory=dict)
    # The image repository: the released one, or Kind's local registry (images.py, `local_images`).
    image: str = c.FRONTEND_IMAGE
    # The tag to run; None: the release tag in the environment file.
    image_version: str | None = None
    # Reaches the in-cluster MongoDB over TLS (workload.mongodb_client).
    mongodb_tls: bool = False


class Frontend(AppWorkload):
    """Next.js server on port 3000."""

    def __init__(self, scope: Construct, id: str, *, props: FrontendProps) -> None:
        cfg = props.frontend
        super().__init__(
            scope,
            id,
            props=WorkloadProps(
                name=FRONTEND,
                component="web",
                image=props.image,
                version=props.image_version or cfg.image_tag,
                command=("node", "frontend/server.js"),
                replicas=cfg.replicas,
                resources=cfg.resources,
                port=c.FRONTEND_PORT,
                env=(
                    {"name": "NODE_ENV", "value": "production"},
                    {"name": "PORT", "value": str(c.FRONTEND_PORT)},
                    # Next.js binds to $HOSTNAME, which Kubernetes sets to the pod name.
                    {"name": "HOSTNAME", "value": "0.0.0.0"},
                ),
                writable_paths={"tmp": "/tmp", "next-cache": "/app/frontend/.next/cache"},
                pod_annotations=props.pod_annotations,
                mongodb_tls=props.mongodb_tls,
                readiness=http_probe("/", "http", period=10),
                liveness=http_probe("/", "http", period=20, timeout=10),
            ),
        )


@dataclass(frozen=True)
class BackendProps:
    # Release tag, replicas, uvicorn workers, resources and autoscaling (environments/<env>.yaml `backend`).
    backend: config.Backend
    # Rolls the pods when the ConfigMap changes (config_annotation).
    pod_annotations: dict[str, str] = field(default_factory=dict)
    # The image repository: the released one, or Kind's local registry (images.py, `local_images`).
    image: str = c.BACKEND_IMAGE
    # The tag to run; None: the release tag in the environment file.
    image_version: str | None = None
    # Reaches the in-cluster MongoDB over TLS (workload.mongodb_client).
    mongodb_tls: bool = False


class Backend(AppWorkload):
    """FastAPI (uvicorn) on port 8000, served under /fastapi."""

    def __init__(self, scope: Construct, id: str, *, props: BackendProps) -> None:
        cfg = props.backend
        super().__init__(
            scope,
            id,
            props=WorkloadProps(
                name=BACKEND,
                component="api",
                image=props.image,
                version=props.image_version or cfg.image_tag,
                command=(
                    "uvicorn",
                    "app.main:app",
                    "--host",
                    "0.0.0.0",
                    "--port",
                    str(c.BACKEND_PORT),
                    "--workers",
                    str(cfg.uvicorn_workers),
                    # X-Forwarded-* are honoured from any peer: only ingress-nginx (which sets them
                    # from the real connection) and the frontend may connect (NetworkPolicy "backend").
                    "--proxy-headers",
                    "--forwarded-allow-ips",
                    "*",
                ),
                working_dir=c.BACKEND_WORKDIR,
                replicas=cfg.replicas,
                resources=cfg.resources,
                port=c.BACKEND_PORT,
                pod_annotations=props.pod_annotations,
                mongodb_tls=props.mongodb_tls,
                readiness=http_probe("/docs", "http", period=10),
                liveness=http_probe("/docs", "http", period=20, timeout=10),
                startup=BACKEND_STARTUP,
                writable_sizes={"tmp": DOCUMENT_TMP_SIZE},
                autoscaling=cfg.autoscaling,
            ),
        )


# Uploads (up to the Ingress's 100m body limit) are converted to PDF with LibreOffice in /tmp:
# room for the file, its conversion and LibreOffice's profile.
DOCUMENT_TMP_SIZE = "1Gi"
# doc-router's chart waits 60 s before liveness; a startup probe allows up to 5 minutes
# (30 × 10 s) without delaying liveness once the app is up.
BACKEND_STARTUP = {**http_probe("/docs", "http", period=10), "failureThreshold": 30}

# The worker serves no port; these probes check that its main process is the worker.
WORKER_ALIVE = ["python3", "-c", "import sys; sys.exit(b'worker.py' not in open('/proc/1/cmdline','rb').read())"]


@dataclass(frozen=True)
class WorkerProps:
    # Replicas and resources (environments/<env>.yaml `worker`).
    worker: config.Worker
    # The backend's release tag: the worker runs the backend image.
    version: str
    # Rolls the pods when the ConfigMap changes (config_annotation).
    pod_annotations: dict[str, str] = field(default_factory=dict)
    # The image repository: the released one, or Kind's local registry (images.py, `local_images`).
    image: str = c.BACKEND_IMAGE
    # The tag to run; None: the release tag in the environment file.
    image_version: str | None = None
    # Reaches the in-cluster MongoDB over TLS (workload.mongodb_client).
    mongodb_tls: bool = False


class Worker(AppWorkload):
    """Queue worker (backend image, python3 worker/worker.py)."""

    def __init__(self, scope: Construct, id: str, *, props: WorkerProps) -> None:
        cfg = props.worker
        super().__init__(
            scope,
            id,
            props=WorkloadProps(
                name=WORKER,
                component="worker",
                image=props.image,
                version=props.image_version or props.version,
                command=("python3", "worker/worker.py"),
                working_dir=c.BACKEND_WORKDIR,
                replicas=cfg.replicas,
                resources=cfg.resources,
                pod_annotations=props.pod_annotations,
                mongodb_tls=props.mongodb_tls,
                readiness=exec_probe(WORKER_ALIVE, period=15),
                liveness=exec_probe(WORKER_ALIVE, period=30),
                writable_sizes={"tmp": DOCUMENT_TMP_SIZE},
            ),
        )


@dataclass(frozen=True)
class IngressProps:
    # The host clients connect to, and the ClusterIssuer that signs its certificate (None: plain HTTP).
    ingress: config.Ingress


class AppIngress(Construct):
    """`/fastapi` → backend, `/` → frontend; TLS via cert-manager where configured."""

    def __init__(self, scope: Construct, id: str, *, props: IngressProps) -> None:
        super().__init__(scope, id)
        paths = [
            {
                "path": path,
                "pathType": "Prefix",
                "backend": {"service": {"name": service, "port": {"number": port}}},
            }
            for path, service, port in (
                (c.FASTAPI_ROOT_PATH, BACKEND, c.BACKEND_PORT),
                ("/", FRONTEND, c.FRONTEND_PORT),
            )
        ]
        spec: dict = {
            "ingressClassName": c.INGRESS_CLASS,
            "rules": [{"host": props.ingress.host, "http": {"paths": paths}}],
        }
        annotations = {
            # Document uploads go through the backend; nginx's 1m default is too small.
            "nginx.ingress.kubernetes.io/proxy-body-size": "100m",
            "nginx.ingress.kubernetes.io/proxy-read-timeout": "300",
        }
        if props.ingress.tls_issuer is not None:  # env.tls
            annotations["cert-manager.io/cluster-issuer"] = props.ingress.tls_issuer
            annotations["nginx.ingress.kubernetes.io/ssl-redirect"] = "true"
            spec["tls"] = [{"hosts": [props.ingress.host], "secretName": c.TLS_SECRET_NAME}]
        api_object(
            self,
            api_objects.Ingress,
            name="doc-router",
            namespace=c.APP_NAMESPACE,
            labels=labels("doc-router", "ingress"),
            annotations=annotations,
            body={"spec": spec},
        )


@dataclass(frozen=True)
class AppProps:
    """Layer "apps", mapped from the environment in synthesis/environment_props.py."""

    frontend: FrontendProps
    backend: BackendProps
    ingress: IngressProps
    network: AppNetworkProps
    # None: no worker Deployment; the backend runs the workers in-process.
    worker: WorkerProps | None = None


class DocRouterApp(Construct):
    """Layer "apps": everything in the doc-router namespace that serves users."""

    def __init__(self, scope: Construct, id: str, *, props: AppProps) -> None:
        super().__init__(scope, id)
        Frontend(self, FRONTEND, props=props.frontend)
        Backend(self, BACKEND, props=props.backend)
        if props.worker:
            Worker(self, WORKER, props=props.worker)
        AppIngress(self, "ingress", props=props.ingress)
        AppNetworkPolicies(self, "network", props=props.network)
