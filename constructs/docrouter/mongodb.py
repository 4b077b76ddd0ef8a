"""Layer "database": MongoDB Community (replica set, keyfile auth) with mongot search.

Each member pod runs three containers:
- `mongod`: the database, replica set `rs0`, keyfile authentication;
- `mongot`: the search process (Atlas Search / Vector Search for Community), which
  syncs from the local mongod and answers it over gRPC on localhost;
- `bootstrap`: initiates the replica set and creates the users, idempotently.
Volumes come from volumeClaimTemplates and are kept when the StatefulSet is deleted
or scaled down; Flux never prunes the StatefulSet (it holds the data).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from constructs import Construct

from . import constants as c
from .config import Environment, InClusterMongoDB, ResourceAmounts, Resources
from .app import BACKEND, FRONTEND, WORKER
from .k8s import api_object, container, exec_probe, labels, pod_spec, selector_labels
from .migration import MIGRATION
from .network import namespace_baseline, namespace_selector, network_policy, tcp

SCRIPTS = Path(__file__).parent / "scripts"
SERVICE_DNS = f"{c.MONGODB_NAME}.{c.MONGODB_NAMESPACE}.svc.cluster.local"
SEARCH_CONFIG = "mongodb-search-config"
BOOTSTRAP_CONFIG = "mongodb-bootstrap"
HELPER_RESOURCES = Resources(
    requests=ResourceAmounts(cpu="50m", memory="128Mi"),
    limits=ResourceAmounts(cpu="250m", memory="384Mi"),
)


def member_host(ordinal: int) -> str:
    return f"{c.MONGODB_NAME}-{ordinal}.{SERVICE_DNS}:{c.MONGODB_PORT}"


def connection_uri_template(replicas: int) -> str:
    """What MONGODB_URI in doc-router-secrets looks like for this in-cluster database."""
    hosts = ",".join(member_host(i) for i in range(replicas))
    return (
        f"mongodb://{c.MONGODB_APP_USER}:<app-password>@{hosts}/"
        f"?replicaSet={c.MONGODB_REPLICA_SET}&authSource=admin"
    )


def mongot_config() -> str:
    config = {
        "syncSource": {
            "replicaSet": {
                "hostAndPort": f"127.0.0.1:{c.MONGODB_PORT}",
                "scramAuth": {
                    "username": c.MONGODB_SEARCH_USER,
                    "passwordFile": "/credentials/search-password",
                    "authSource": "admin",
                },
                "tls": {"enabled": False},
            }
        },
        "storage": {"dataPath": "/data/mongot"},
        # gRPC only on localhost: mongod in the same pod is mongot's only client.
        "server": {"grpc": {"address": f"127.0.0.1:{c.MONGOT_GRPC_PORT}", "tls": {"mode": "disabled"}}},
        "healthCheck": {"address": f"0.0.0.0:{c.MONGOT_HEALTH_PORT}"},
        "logging": {"verbosity": "INFO"},
    }
    return yaml.safe_dump(config, sort_keys=False)


def mongod_command(replicas: int) -> list[str]:
    grpc = f"127.0.0.1:{c.MONGOT_GRPC_PORT}"
    return [
        "mongod",
        "--replSet", c.MONGODB_REPLICA_SET,
        "--bind_ip_all",
        "--port", str(c.MONGODB_PORT),
        "--dbpath", "/data/db",
        "--keyFile", "/credentials/keyfile",
        "--setParameter", f"mongotHost={grpc}",
        "--setParameter", f"searchIndexManagementHostAndPort={grpc}",
        "--setParameter", "skipAuthenticationToSearchIndexManagementServer=false",
        "--setParameter", "useGrpcForSearch=true",
    ]


PING = ["mongosh", "--quiet", "--norc", "--eval", "db.adminCommand('ping').ok"]


class MongoDB(Construct):
    def __init__(self, scope: Construct, id: str, *, env: Environment, db: InClusterMongoDB) -> None:
        super().__init__(scope, id)
        self.env, self.db = env, db
        self.selector = selector_labels(c.MONGODB_NAME)
        self.labels = labels(c.MONGODB_NAME, "database", c.MONGODB_IMAGE.rsplit(":", 1)[1])
        self._config_maps()
        self._service()
        self._stateful_set()
        if db.replicas > 1:
            api_object(
                self,
                api_version="policy/v1",
                kind="PodDisruptionBudget",
                name=c.MONGODB_NAME,
                namespace=c.MONGODB_NAMESPACE,
                labels=self.labels,
                body={"spec": {"maxUnavailable": 1, "selector": {"matchLabels": self.selector}}},
            )
        self._network_policies()

    def _config_maps(self) -> None:
        data = {
            SEARCH_CONFIG: {"mongot.yml": mongot_config()},
            BOOTSTRAP_CONFIG: {
                name: (SCRIPTS / name).read_text(encoding="utf-8")
                for name in ("mongodb-bootstrap.js", "mongodb-bootstrap.sh")
            },
        }
        for name, content in data.items():
            api_object(
                self,
                api_version="v1",
                kind="ConfigMap",
                name=name,
                namespace=c.MONGODB_NAMESPACE,
                labels=self.labels,
                body={"data": content},
            )

    def _service(self) -> None:
        # Headless: gives every member a stable DNS name (mongodb-0.mongodb.mongodb.svc...).
        api_object(
            self,
            api_version="v1",
            kind="Service",
            name=c.MONGODB_NAME,
            namespace=c.MONGODB_NAMESPACE,
            labels=self.labels,
            body={
                "spec": {
                    "clusterIP": "None",
                    # Members must resolve each other before they are ready, to form the replica set.
                    "publishNotReadyAddresses": True,
                    "selector": self.selector,
                    "ports": [{"name": "mongodb", "port": c.MONGODB_PORT, "targetPort": "mongodb"}],
                }
            },
        )

    def _containers(self) -> tuple[list[dict], list[dict], list[dict]]:
        db = self.db
        credentials = {"name": "credentials", "mountPath": "/credentials", "readOnly": True}
        tmp = {"name": "tmp", "mountPath": "/tmp"}
        # Secret volumes are group-readable under fsGroup; mongod and mongot insist on 0400.
        prepare = container(
            name="prepare-credentials",
            image=c.MONGODB_IMAGE,
            command=["sh", "-c", "install -m 0400 /secret/keyfile /secret/search-password /credentials/"],
            spec=HELPER_RESOURCES,
            mounts=[
                {"name": "secret", "mountPath": "/secret", "readOnly": True},
                {"name": "credentials", "mountPath": "/credentials"},
            ],
        )
        mongod = container(
            name="mongod",
            image=c.MONGODB_IMAGE,
            command=mongod_command(db.replicas),
            spec=db.resources,
            ports={"mongodb": c.MONGODB_PORT},
            mounts=[{"name": "data", "mountPath": "/data/db"}, credentials, tmp],
            startup={"tcpSocket": {"port": "mongodb"}, "periodSeconds": 10, "failureThreshold": 60},
            readiness=exec_probe(PING, period=10, timeout=10),
            liveness={"tcpSocket": {"port": "mongodb"}, "periodSeconds": 20, "failureThreshold": 6},
        )
        mongot = container(
            name="mongot",
            image=c.MONGOT_IMAGE,
            args=["--config", "/etc/mongot/mongot.yml"],
            spec=db.search_resources,
            ports={"health": c.MONGOT_HEALTH_PORT},
            mounts=[
                {"name": "search-data", "mountPath": "/data/mongot"},
                {"name": "search-config", "mountPath": "/etc/mongot", "readOnly": True},
                credentials,
                tmp,
            ],
            readiness={"httpGet": {"path": "/health", "port": "health"}, "periodSeconds": 10},
            liveness={"httpGet": {"path": "/health", "port": "health"}, "periodSeconds": 30, "failureThreshold": 6},
        )
        bootstrap_env = {
            "REPLICA_SET": c.MONGODB_REPLICA_SET,
            "REPLICAS": str(db.replicas),
            "STATEFULSET": c.MONGODB_NAME,
            "SERVICE_DNS": SERVICE_DNS,
            "MONGODB_PORT": str(c.MONGODB_PORT),
            "ROOT_USER": c.MONGODB_ROOT_USER,
            "APP_USER": c.MONGODB_APP_USER,
            "SEARCH_USER": c.MONGODB_SEARCH_USER,
            "HOME": "/tmp",
        }
        bootstrap = container(
            name="bootstrap",
            image=c.MONGODB_IMAGE,
            command=["sh", "/bootstrap/mongodb-bootstrap.sh"],
            spec=HELPER_RESOURCES,
            env=[
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                *({"name": k, "value": v} for k, v in bootstrap_env.items()),
            ],
            mounts=[
                {"name": "bootstrap", "mountPath": "/bootstrap", "readOnly": True},
                {"name": "secret", "mountPath": "/credentials", "readOnly": True},
                tmp,
            ],
            readiness=exec_probe(["test", "-f", "/tmp/bootstrap-complete"], period=10),
        )
        volumes = [
            {"name": "secret", "secret": {"secretName": c.MONGODB_SECRET_NAME, "defaultMode": 0o440}},
            {"name": "credentials", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
            {"name": "search-config", "configMap": {"name": SEARCH_CONFIG}},
            {"name": "bootstrap", "configMap": {"name": BOOTSTRAP_CONFIG}},
        ]
        return [prepare], [mongod, mongot, bootstrap], volumes

    def _stateful_set(self) -> None:
        init, containers, volumes = self._containers()
        storage_class = self.env.storage.name
        claims = [
            {
                "metadata": {"name": name, "labels": self.selector},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": storage_class,
                    "resources": {"requests": {"storage": size}},
                },
            }
            for name, size in (("data", self.db.storage_size), ("search-data", self.db.search_storage_size))
        ]
        api_object(
            self,
            api_version="apps/v1",
            kind="StatefulSet",
            name=c.MONGODB_NAME,
            namespace=c.MONGODB_NAMESPACE,
            labels=self.labels,
            annotations=dict(c.PRUNE_DISABLED),
            body={
                "spec": {
                    "replicas": self.db.replicas,
                    "serviceName": c.MONGODB_NAME,
                    # Members start together so the first one can initiate the whole replica set.
                    "podManagementPolicy": "Parallel",
                    "selector": {"matchLabels": self.selector},
                    "updateStrategy": {"type": "RollingUpdate"},
                    "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
                    "template": {
                        "metadata": {"labels": self.labels},
                        "spec": pod_spec(
                            init_containers=init,
                            containers=containers,
                            volumes=volumes,
                            uid=c.MONGODB_UID,
                            spread_labels=self.selector if self.db.replicas > 1 else None,
                            termination_grace_seconds=60,
                        ),
                    },
                    "volumeClaimTemplates": claims,
                }
            },
        )

    def _network_policies(self) -> None:
        ns = c.MONGODB_NAMESPACE
        namespace_baseline(self, ns)
        members = {"podSelector": {"matchLabels": self.selector}}
        app_clients = [
            {
                "namespaceSelector": namespace_selector(c.APP_NAMESPACE),
                "podSelector": {"matchLabels": selector_labels(name)},
            }
            for name in (FRONTEND, BACKEND, WORKER, MIGRATION)
        ]
        network_policy(
            self,
            name=c.MONGODB_NAME,
            namespace=ns,
            pods=self.selector,
            ingress=[{"from": [members, *app_clients], "ports": tcp(c.MONGODB_PORT)}],
            # Replication between members.
            egress=[{"to": [members], "ports": tcp(c.MONGODB_PORT)}],
        )
