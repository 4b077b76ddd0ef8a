"""Layer "database": MongoDB Community with search, run by MongoDB's own operator.

We declare what we want; MongoDB Controllers for Kubernetes (installed in the controllers
layer, see infrastructure.py) does the rest: replica set initiation, users and their
SCRAM credentials, the keyfile, scaling, version upgrades and mongot's configuration.

- `MongoDBCommunity` mongodb: the replica set (StatefulSet `mongodb`, pods `app: mongodb-svc`).
- `MongoDBSearch` mongodb: mongot, syncing from that replica set as `search-sync-source`.
- User passwords come from the SOPS-encrypted Secret `mongodb-credentials` (secrets/).

Pod security: the operator's default contexts (managedSecurityContext=false) already meet
"restricted": runAsNonRoot, uid 2000, seccomp RuntimeDefault, no privilege escalation, all
capabilities dropped, read-only root (pkg/kube/podtemplatespec DefaultPodSecurityContext,
pkg/kube/container DefaultSecurityContext at 1.9.1), so the namespace keeps enforcing it.
TLS (environments that issue certificates, mongodb_tls.py): members, clients and mongot speak TLS only,
with certificates cert-manager issues in infra-configs (platform/mongodb_certificates.py); on Kind all of
it stays plain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from docrouter import constants as c
from docrouter import mongodb_tls as tls
from docrouter.config import InClusterMongoDB
from docrouter.migration_names import MIGRATION
from docrouter.platform import api_objects
from docrouter.platform.building_blocks import api_object, labels, resources, selector_labels, spread_constraints
from docrouter.platform.network import kube_api_egress, namespace_selector, network_policy, tcp
from docrouter.providers import ApiServer

# The agent beside each mongod only applies configuration; the operator's defaults are small.
AGENT_RESOURCES = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}
LOGS_VOLUME_SIZE = "2Gi"
# Roles of the app's user: it creates its databases, collections and (search) indexes.
APP_ROLES = ("readWriteAnyDatabase", "dbAdminAnyDatabase")
USER_ROLES = {
    c.MONGODB_ADMIN_USER: ("root",),
    c.MONGODB_APP_USER: APP_ROLES,
    # Built in from MongoDB 8.2 (the operator's guide, 01_0310_create_mongodb_community_resource.sh).
    c.MONGODB_SEARCH_USER: ("searchCoordinator",),
}


def _user(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "db": "admin",
        "passwordSecretRef": {"name": c.MONGODB_SECRET_NAME, "key": c.MONGODB_USER_PASSWORD_KEYS[name]},
        "scramCredentialsSecretName": f"{c.MONGODB_NAME}-{name}-scram",
        "roles": [{"name": role, "db": "admin"} for role in USER_ROLES[name]],
    }


def _claim(name: str, size: str, storage_class: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": storage_class,
            "resources": {"requests": {"storage": size}},
        },
    }


def _spread(members: int) -> dict[str, Any]:
    """Members spread over nodes and zones, like the app's pods (k8s.spread_constraints)."""
    return {"topologySpreadConstraints": spread_constraints(c.MONGODB_POD_LABELS)} if members > 1 else {}


@dataclass(frozen=True)
class MongoDBProps:
    """Layer "database", mapped from the environment in synthesis/environment_props.py."""

    # Members, storage sizes and resources (environments/<env>.yaml `mongodb`, mode in-cluster).
    db: InClusterMongoDB
    # The StorageClass the volumes are claimed from (`storage.name`).
    storage_class: str
    # Where the database pods reach the API server (the provider's, providers.py).
    api_server: ApiServer
    # Members, clients and mongot speak TLS only (certificates from platform/mongodb_certificates.py).
    tls: bool = False


def community_tls(optional: bool = False) -> dict[str, Any]:
    """spec.security.tls of the MongoDBCommunity (mongodb-community-operator/api/v1/mongodbcommunity_types.go TLS,
    1.9.1). optional false: mongod requires TLS of every client and member (mongodb_tls.go tlsConfigModification,
    TLSModeRequired); true: members still speak TLS with each other, clients may connect plain (TLSModePreferred),
    the step a running plain replica set takes on its way to TLS (`mongodb.tls: preferred`).
    The CA is read from mongot's certificate Secret, where cert-manager wrote it as ca.crt: the operator
    copies only that key into the members' pods (ensureCASecret, <name>-ca-certificate), while mongot mounts
    the referenced Secret whole (controllers/searchcontroller/community_search_source.go TLSConfig), so
    neither gets a private key it does not already hold."""
    return {
        "enabled": True,
        "optional": optional,
        "certificateKeySecretRef": {"name": tls.SERVER_SECRET},
        "caCertificateSecretRef": {"name": tls.SEARCH_SECRET},
    }


def search_tls() -> dict[str, Any]:
    """spec.security.tls of the MongoDBSearch (api/mongodb/v1/search/mongodbsearch_types.go TLS, 1.9.1): mongot
    serves gRPC with this certificate and mongod requires TLS to it (mongodbsearch_reconcile_helper.go
    searchTLSMode: requireTLS whenever security.tls is set)."""
    return {"certificateKeySecretRef": {"name": tls.SEARCH_SECRET}}


class MongoDB(Construct):
    def __init__(self, scope: Construct, id: str, *, props: MongoDBProps) -> None:
        super().__init__(scope, id)
        db = self.db = props.db
        self.api_server = props.api_server
        self.storage_class = props.storage_class
        self.tls = props.tls
        self.labels = labels(c.MONGODB_NAME, "database", c.MONGODB_VERSION)
        self._community()
        self._search()
        if db.replicas > 1:
            api_object(
                self,
                api_objects.PodDisruptionBudget,
                name=c.MONGODB_NAME,
                namespace=c.MONGODB_NAMESPACE,
                labels=self.labels,
                body={"spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(c.MONGODB_POD_LABELS)}}},
            )
        self._network_policies()

    def _community(self) -> None:
        db, storage_class = self.db, self.storage_class
        api_object(
            self,
            api_objects.MongoDBCommunity,
            name=c.MONGODB_NAME,
            namespace=c.MONGODB_NAMESPACE,
            labels=self.labels,
            # Deleting it deletes the StatefulSet: Flux must never prune it. The volumes are kept
            # even then: a StatefulSet without persistentVolumeClaimRetentionPolicy retains its PVCs
            # (Kubernetes' default, Retain/Retain). Setting the policy here would do nothing: the
            # operator's merge drops it (pkg/util/merge/merge_statefulset.go, StatefulSetSpecs, 1.10.0).
            annotations=dict(c.PRUNE_DISABLED),
            body={
                "spec": {
                    "type": "ReplicaSet",
                    "members": db.replicas,
                    "version": c.MONGODB_VERSION,
                    "security": {
                        "authentication": {"modes": ["SCRAM"], "ignoreUnknownUsers": True},
                        **({"tls": community_tls(optional=self.db.tls == "preferred")} if self.tls else {}),
                    },
                    "users": [_user(name) for name in c.MONGODB_USER_PASSWORD_KEYS],
                    "statefulSet": {
                        "spec": {
                            "template": {
                                "spec": {
                                    "containers": [
                                        {"name": c.MONGOD_CONTAINER, "resources": resources(db.resources)},
                                        {"name": c.MONGODB_AGENT_CONTAINER, "resources": AGENT_RESOURCES},
                                    ],
                                    **_spread(db.replicas),
                                }
                            },
                            "volumeClaimTemplates": [
                                _claim("data-volume", db.storage_size, storage_class),
                                _claim("logs-volume", LOGS_VOLUME_SIZE, storage_class),
                            ],
                        }
                    },
                }
            },
        )

    def _search(self) -> None:
        db = self.db
        api_object(
            self,
            api_objects.MongoDBSearch,
            name=c.MONGODB_NAME,
            namespace=c.MONGODB_NAMESPACE,
            labels=labels(c.MONGODB_NAME, "search"),
            body={
                "spec": {
                    **({"security": {"tls": search_tls()}} if self.tls else {}),
                    "source": {
                        "mongodbResourceRef": {"name": c.MONGODB_NAME},
                        "username": c.MONGODB_SEARCH_USER,
                        "passwordSecretRef": {
                            "name": c.MONGODB_SECRET_NAME,
                            "key": c.MONGODB_USER_PASSWORD_KEYS[c.MONGODB_SEARCH_USER],
                        },
                    },
                    # One mongot: more than one needs a load balancer in front (validateMultipleReplicasRequireLB).
                    "clusters": [
                        {
                            "replicas": 1,
                            "resourceRequirements": resources(db.search_resources),
                            "persistence": {
                                "single": {"storage": db.search_storage_size, "storageClass": self.storage_class}
                            },
                        }
                    ],
                }
            },
        )

    def _network_policies(self) -> None:
        ns = c.MONGODB_NAMESPACE  # its default-deny and DNS policies ship with the Namespace (network.py)
        members = {"podSelector": {"matchLabels": dict(c.MONGODB_POD_LABELS)}}
        mongot = {"podSelector": {"matchLabels": dict(c.MONGOT_POD_LABELS)}}
        app_clients = [
            {
                "namespaceSelector": namespace_selector(c.APP_NAMESPACE),
                "podSelector": {"matchLabels": selector_labels(name)},
            }
            for name in (c.FRONTEND, c.BACKEND, c.WORKER, MIGRATION)
        ]
        network_policy(
            self,
            name=c.MONGODB_NAME,
            namespace=ns,
            pods=dict(c.MONGODB_POD_LABELS),
            ingress=[{"from": [members, mongot, *app_clients], "ports": tcp(c.MONGODB_PORT)}],
            egress=[
                # Replication between members.
                {"to": [members], "ports": tcp(c.MONGODB_PORT)},
                # $search and search index management go to mongot over gRPC.
                {"to": [mongot], "ports": tcp(c.MONGOT_GRPC_PORT)},
                # The readiness probe and upgrade hook annotate their own pod through the API.
                kube_api_egress(self.api_server),
            ],
        )
        network_policy(
            self,
            name="mongot",
            namespace=ns,
            pods=dict(c.MONGOT_POD_LABELS),
            ingress=[{"from": [members], "ports": tcp(c.MONGOT_GRPC_PORT)}],
            # mongot syncs from the replica set.
            egress=[{"to": [members], "ports": tcp(c.MONGODB_PORT)}],
        )
