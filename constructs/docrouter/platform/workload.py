"""AppWorkload: a Deployment with its Service, PodDisruptionBudget and autoscaler.

The one place that decides how doc-router's stateless processes roll out:
RollingUpdate with maxUnavailable 0 / maxSurge 1, so capacity never drops
during a deploy, and a PDB whenever more than one replica runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from constructs import Construct

from docrouter import constants as c
from docrouter import mongodb_tls as tls
from docrouter.config import Autoscaling, Resources
from docrouter.names import release_version
from docrouter.platform import api_objects
from docrouter.platform.api_objects import gvk
from docrouter.platform.building_blocks import (
    api_object,
    container,
    labels,
    pod_spec,
    selector_labels,
    writable_volumes,
)

# Every app pod reads the same configuration: the ConfigMap and the SOPS-managed Secret.
APP_ENV_FROM = [
    {"configMapRef": {"name": c.CONFIG_MAP_NAME}},
    {"secretRef": {"name": c.APP_SECRET_NAME}},
]
# Read-only root filesystem: libraries that write to $HOME write to the /tmp emptyDir.
HOME_IN_TMP = {"name": "HOME", "value": "/tmp"}


@dataclass(frozen=True)
class MongoDBClient:
    """What a pod needs to reach the in-cluster MongoDB over TLS (mongodb_tls.py): the CA file, and the URI
    of doc-router-secrets with tls options appended. The kubelet expands $(MONGODB_URI) from the envFrom
    Secret before the container starts: envFrom fills the variables first, then each env value's $(VAR)
    references are expanded from them (k8s.io/kubernetes v1.37.2 pkg/kubelet/kubelet_pods.go
    makeEnvironmentVariables), so the committed Secret stays as it is and the password never enters dist/."""

    env: tuple[dict[str, str], ...] = ()
    volumes: tuple[dict, ...] = ()
    mounts: tuple[dict, ...] = ()


def mongodb_client(tls_on: bool) -> MongoDBClient:
    if not tls_on:
        return MongoDBClient()
    return MongoDBClient(
        env=({"name": "MONGODB_URI", "value": f"$(MONGODB_URI){tls.URI_TLS_OPTIONS}"},),
        volumes=(
            {
                "name": "mongodb-ca",
                # Only the CA: the client key cert-manager writes beside it is never mounted.
                "secret": {"secretName": tls.CLIENT_SECRET, "items": [{"key": tls.CA_KEY, "path": tls.CA_KEY}]},
            },
        ),
        mounts=({"name": "mongodb-ca", "mountPath": tls.CA_MOUNT_PATH, "readOnly": True},),
    )


@dataclass(frozen=True)
class WorkloadProps:
    """What differs between frontend, backend and worker.

    name: object and container name; also the pod's app.kubernetes.io/name.
    port: the container's HTTP port; a Service of the same name is created when set.
    writable_paths: volume name → path backed by an emptyDir (default: /tmp only).
    startup: probe that holds liveness back until a slow start has finished.
    autoscaling: when set, an HPA owns the replica count (min = replicas).
    """

    name: str
    component: str
    image: str
    version: str
    command: tuple[str, ...]
    replicas: int
    resources: Resources
    readiness: dict[str, Any]
    liveness: dict[str, Any]
    port: int | None = None
    working_dir: str | None = None
    env: tuple[dict[str, str], ...] = ()
    writable_paths: dict[str, str] = field(default_factory=lambda: {"tmp": "/tmp"})
    # Size limit per writable volume where the default (256Mi) is too small.
    writable_sizes: dict[str, str] = field(default_factory=dict)
    startup: dict[str, Any] | None = None
    autoscaling: Autoscaling | None = None
    pod_annotations: dict[str, str] = field(default_factory=dict)
    # Reaches the in-cluster MongoDB over TLS: mounts the CA and adds tls options to MONGODB_URI.
    mongodb_tls: bool = False


class AppWorkload(Construct):
    def __init__(self, scope: Construct, id: str, *, props: WorkloadProps) -> None:
        super().__init__(scope, id)
        if props.replicas < 1:
            raise ValueError(f"{props.name}: replicas must be at least 1, got {props.replicas}")
        self.props = props
        self.selector = selector_labels(props.name)
        self.labels = labels(props.name, props.component, release_version(props.version))
        self._deployment()
        if props.port is not None:
            self._service()
        if props.replicas > 1 or props.autoscaling:
            self._disruption_budget()
        if props.autoscaling:
            self._autoscaler()

    def _deployment(self) -> None:
        p = self.props
        volumes, mounts = writable_volumes(p.writable_paths, p.writable_sizes)
        client = mongodb_client(p.mongodb_tls)
        volumes, mounts = [*volumes, *client.volumes], [*mounts, *client.mounts]
        main = container(
            name=p.name,
            image=f"{p.image}:{p.version}",
            command=p.command,
            spec=p.resources,
            ports={"http": p.port} if p.port is not None else None,
            working_dir=p.working_dir,
            env=[HOME_IN_TMP, *p.env, *client.env],
            env_from=APP_ENV_FROM,
            mounts=mounts,
            readiness=p.readiness,
            liveness=p.liveness,
            startup=p.startup,
        )
        spec: dict[str, Any] = {}
        if p.autoscaling is None:
            # With an HPA the field is left out, so each Flux apply does not reset the scale.
            spec["replicas"] = p.replicas
        spec["revisionHistoryLimit"] = 5
        spec["selector"] = {"matchLabels": self.selector}
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
        spec["template"] = {
            "metadata": {"labels": self.labels, **({"annotations": p.pod_annotations} if p.pod_annotations else {})},
            "spec": pod_spec(
                containers=[main],
                uid=c.APP_UID,
                volumes=volumes,
                spread_labels=self.selector if p.replicas > 1 else None,
            ),
        }
        api_object(
            self,
            api_objects.Deployment,
            name=p.name,
            namespace=c.APP_NAMESPACE,
            labels=self.labels,
            body={"spec": spec},
        )

    def _service(self) -> None:
        api_object(
            self,
            api_objects.Service,
            name=self.props.name,
            namespace=c.APP_NAMESPACE,
            labels=self.labels,
            body={
                "spec": {
                    "type": "ClusterIP",
                    "selector": self.selector,
                    "ports": [{"name": "http", "port": self.props.port, "targetPort": "http", "protocol": "TCP"}],
                }
            },
        )

    def _disruption_budget(self) -> None:
        api_object(
            self,
            api_objects.PodDisruptionBudget,
            name=self.props.name,
            namespace=c.APP_NAMESPACE,
            labels=self.labels,
            # maxUnavailable (not minAvailable) keeps working as the HPA changes the scale.
            body={"spec": {"maxUnavailable": 1, "selector": {"matchLabels": self.selector}}},
        )

    def _autoscaler(self) -> None:
        p = self.props
        scaling = p.autoscaling
        assert scaling is not None
        deployment = gvk(api_objects.Deployment)  # the HPA scales the Deployment built above
        metrics = [
            {
                "type": "Resource",
                "resource": {"name": resource, "target": {"type": "Utilization", "averageUtilization": value}},
            }
            for resource, value in (("cpu", scaling.cpu_utilization), ("memory", scaling.memory_utilization))
        ]
        api_object(
            self,
            api_objects.HorizontalPodAutoscaler,
            name=p.name,
            namespace=c.APP_NAMESPACE,
            labels=self.labels,
            body={
                "spec": {
                    "scaleTargetRef": {"apiVersion": deployment[0], "kind": deployment[1], "name": p.name},
                    "minReplicas": p.replicas,
                    "maxReplicas": scaling.max_replicas,
                    "metrics": metrics,
                }
            },
        )
