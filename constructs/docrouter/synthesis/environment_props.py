"""The one place an Environment becomes construct props: each layer chart builds its root from these.

Constructs take their own props (cdk8s-plus style: one field per decision, a comment and a default
each), never the whole Environment, so a construct can be built and tested from what it uses alone.
"""

from __future__ import annotations

from typing import Any

from docrouter import constants as c
from docrouter.config import Environment, InClusterMongoDB
from docrouter.images import image_repository
from docrouter.platform.app import (
    AppConfigProps,
    AppProps,
    BackendProps,
    FrontendProps,
    IngressProps,
    WorkerProps,
    app_config,
    config_annotation,
)
from docrouter.platform.controller_network import ControllerNetworkProps
from docrouter.platform.flux_rbac import FluxLayerAccountsProps
from docrouter.platform.infrastructure import ClusterIssuersProps, ControllersProps, NamespacesProps, helm_charts
from docrouter.platform.migration import MigrationProps, PreDeployProps
from docrouter.platform.mongodb import MongoDBProps
from docrouter.platform.mongodb_certificates import MongoDBCertificatesProps
from docrouter.platform.network import AppNetworkProps, NamespaceBaselinesProps
from docrouter.platform.secret_rollout import secret_checksums


def controllers_props(env: Environment) -> ControllersProps:
    in_cluster = env.in_cluster_mongodb is not None
    namespaces = NamespacesProps(in_cluster_mongodb=in_cluster, tls=env.tls, local_cluster=env.cluster.is_local)
    return ControllersProps(
        namespaces=namespaces,
        baselines=NamespaceBaselinesProps(in_cluster_mongodb=in_cluster),
        controller_network=ControllerNetworkProps(
            api_server=env.api_server, tls=env.tls, in_cluster_mongodb=in_cluster
        ),
        flux_accounts=FluxLayerAccountsProps(namespaces=namespaces.names()),
        storage=env.storage,
        charts=tuple(helm_charts(env)),
    )


def cluster_issuers_props(env: Environment) -> ClusterIssuersProps:
    return ClusterIssuersProps(acme_email=env.acme_email if env.tls else None)


def mongodb_tls(env: Environment) -> bool:
    """MongoDB speaks TLS where it runs in the cluster and cert-manager issues certificates (mongodb_tls.py)."""
    return env.tls and env.in_cluster_mongodb is not None


def mongodb_certificates_props(env: Environment) -> MongoDBCertificatesProps:
    db = env.in_cluster_mongodb
    return MongoDBCertificatesProps(members=db.replicas if db and mongodb_tls(env) else None)


def mongodb_props(env: Environment, db: InClusterMongoDB) -> MongoDBProps:
    return MongoDBProps(db=db, storage_class=env.storage.name, api_server=env.api_server, tls=mongodb_tls(env))


def _image(env: Environment, released: str) -> dict[str, Any]:
    """Which image the app's pods run: the release, or on Kind a locally built one (images.py)."""
    return {
        "image": image_repository(env, released),
        "image_version": env.local_images.tag if env.local_images else None,
    }


def pre_deploy_props(env: Environment) -> PreDeployProps:
    return PreDeployProps(
        config=AppConfigProps(data=app_config(env)),
        migration=MigrationProps(
            backend=env.backend,
            attempt=env.migration.attempt,
            in_cluster_mongodb=env.in_cluster_mongodb is not None,
            mongodb_tls=mongodb_tls(env),
            **_image(env, c.BACKEND_IMAGE),
        ),
    )


def app_props(env: Environment) -> AppProps:
    # Every app pod restarts when the ConfigMap changes or the committed Secret it reads does (secret_rollout.py).
    rollout = {
        **config_annotation(app_config(env)),
        **secret_checksums(env.name, c.APP_NAMESPACE, (c.APP_SECRET_NAME,)),
    }
    worker = env.worker
    db_tls = mongodb_tls(env)
    return AppProps(
        frontend=FrontendProps(
            frontend=env.frontend, pod_annotations=rollout, mongodb_tls=db_tls, **_image(env, c.FRONTEND_IMAGE)
        ),
        backend=BackendProps(
            backend=env.backend, pod_annotations=rollout, mongodb_tls=db_tls, **_image(env, c.BACKEND_IMAGE)
        ),
        worker=WorkerProps(
            worker=worker,
            version=env.backend.image_tag,
            pod_annotations=rollout,
            mongodb_tls=db_tls,
            **_image(env, c.BACKEND_IMAGE),
        )
        if worker
        else None,
        ingress=IngressProps(ingress=env.ingress),
        network=AppNetworkProps(
            in_cluster_mongodb=env.in_cluster_mongodb is not None, worker=worker is not None, tls=env.tls
        ),
    )
