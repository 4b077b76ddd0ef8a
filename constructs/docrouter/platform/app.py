"""The doc-router application: configuration, the three processes and the route in."""

from __future__ import annotations

import hashlib
import json

from constructs import Construct

from docrouter import constants as c
from docrouter.config import Environment
from docrouter.images import image_repository, image_version
from docrouter.platform import typed
from docrouter.platform.k8s import api_object, exec_probe, http_probe, labels
from docrouter.platform.network import AppNetworkPolicies
from docrouter.platform.workload import AppWorkload, WorkloadProps

FRONTEND = "frontend"
BACKEND = "backend"
WORKER = "worker"


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


def config_annotation(env: Environment) -> dict[str, str]:
    """Pod annotation that changes with the ConfigMap, so a config change rolls the pods.

    A content hash in an annotation (not in a name): names stay stable for Flux.
    """
    digest = hashlib.sha256(json.dumps(app_config(env), sort_keys=True).encode()).hexdigest()
    return {"checksum/config": digest[:16]}


class AppConfig(Construct):
    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        super().__init__(scope, id)
        api_object(
            self,
            typed.ConfigMap,
            name=c.CONFIG_MAP_NAME,
            namespace=c.APP_NAMESPACE,
            labels=labels("doc-router", "config"),
            body={"data": app_config(env)},
        )


class Frontend(AppWorkload):
    """Next.js server on port 3000."""

    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        cfg = env.frontend
        super().__init__(
            scope,
            id,
            props=WorkloadProps(
                name=FRONTEND,
                component="web",
                image=image_repository(env, c.FRONTEND_IMAGE),
                version=image_version(env, cfg.image_tag),
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
                pod_annotations=config_annotation(env),
                readiness=http_probe("/", "http", period=10),
                liveness=http_probe("/", "http", period=20, timeout=10),
            ),
        )


class Backend(AppWorkload):
    """FastAPI (uvicorn) on port 8000, served under /fastapi."""

    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        cfg = env.backend
        super().__init__(
            scope,
            id,
            props=WorkloadProps(
                name=BACKEND,
                component="api",
                image=image_repository(env, c.BACKEND_IMAGE),
                version=image_version(env, cfg.image_tag),
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
                pod_annotations=config_annotation(env),
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


class Worker(AppWorkload):
    """Queue worker (backend image, python3 worker/worker.py)."""

    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        assert env.worker is not None
        cfg = env.worker
        super().__init__(
            scope,
            id,
            props=WorkloadProps(
                name=WORKER,
                component="worker",
                image=image_repository(env, c.BACKEND_IMAGE),
                version=image_version(env, env.backend.image_tag),
                command=("python3", "worker/worker.py"),
                working_dir=c.BACKEND_WORKDIR,
                replicas=cfg.replicas,
                resources=cfg.resources,
                pod_annotations=config_annotation(env),
                readiness=exec_probe(WORKER_ALIVE, period=15),
                liveness=exec_probe(WORKER_ALIVE, period=30),
                writable_sizes={"tmp": DOCUMENT_TMP_SIZE},
            ),
        )


class AppIngress(Construct):
    """`/fastapi` → backend, `/` → frontend; TLS via cert-manager where configured."""

    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
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
            "rules": [{"host": env.ingress.host, "http": {"paths": paths}}],
        }
        annotations = {
            # Document uploads go through the backend; nginx's 1m default is too small.
            "nginx.ingress.kubernetes.io/proxy-body-size": "100m",
            "nginx.ingress.kubernetes.io/proxy-read-timeout": "300",
        }
        if env.ingress.tls_issuer is not None:  # env.tls
            annotations["cert-manager.io/cluster-issuer"] = env.ingress.tls_issuer
            annotations["nginx.ingress.kubernetes.io/ssl-redirect"] = "true"
            spec["tls"] = [{"hosts": [env.ingress.host], "secretName": c.TLS_SECRET_NAME}]
        api_object(
            self,
            typed.Ingress,
            name="doc-router",
            namespace=c.APP_NAMESPACE,
            labels=labels("doc-router", "ingress"),
            annotations=annotations,
            body={"spec": spec},
        )


class DocRouterApp(Construct):
    """Layer "apps": everything in the doc-router namespace that serves users."""

    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        super().__init__(scope, id)
        Frontend(self, FRONTEND, env=env)
        Backend(self, BACKEND, env=env)
        if env.worker:
            Worker(self, WORKER, env=env)
        AppIngress(self, "ingress", env=env)
        AppNetworkPolicies(self, "network", env=env)
