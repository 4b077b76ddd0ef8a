"""Upgrade against a real API server: the base revision's committed dist/, then the working tree's; and
the review's hand-written immutable-field list checked against what the server really refuses."""

from __future__ import annotations

import copy

import pytest
import yaml

from cluster.controlplane import REPO
from cluster.environments import Cluster, flux_layers
from cluster.fluxapply import is_refused_update
from cluster.test_cluster_api_rules import setter as _set
from docrouter.kinds import KINDS
from docrouter_tools.review.fields import field_changes
from docrouter_tools.review.risk_immutable import immutable_changes


def _relabel(workload: dict) -> None:
    workload["spec"]["selector"]["matchLabels"]["tier"] = "api"
    workload["spec"]["template"]["metadata"]["labels"]["tier"] = "api"


# Real changes to real objects of dist/staging: (kind, name, description, change). The server's
# answer decides; the review's list must say the same.
CHANGES = [
    ("Deployment", "backend", "selector", _relabel),
    ("Deployment", "backend", "replicas", _set("spec.replicas", 5)),
    ("Deployment", "backend", "image", _set("spec.template.spec.containers.0.image", "ghcr.io/x/backend:v9.9.9")),
    ("Job", "migrate", "template", _set("spec.template.spec.containers.0.image", "ghcr.io/x/backend:v9.9.9")),
    ("Job", "migrate", "backoffLimit", _set("spec.backoffLimit", 1)),
    ("Job", "migrate", "selector", _set("spec.selector", {"matchLabels": {"tier": "api"}})),
    ("Service", "backend", "clusterIP", _set("spec.clusterIP", "10.0.0.77")),
    ("Service", "backend", "ports", lambda s: s["spec"]["ports"][0].update(port=8081)),
    ("PodDisruptionBudget", "backend", "maxUnavailable", _set("spec.maxUnavailable", 2)),
    # Not in dist/ (the MongoDB operator makes them): objects of our own, below.
    ("StatefulSet", "test-db", "selector", _relabel),
    ("StatefulSet", "test-db", "serviceName", _set("spec.serviceName", "other")),
    ("StatefulSet", "test-db", "replicas", _set("spec.replicas", 2)),
    ("StatefulSet", "test-db", "podManagementPolicy", _set("spec.podManagementPolicy", "Parallel")),
    ("DaemonSet", "test-agent", "selector", _relabel),
    ("StatefulSet", "test-db", "volumeClaimTemplates", _set("spec.volumeClaimTemplates.0.spec.storageClassName", "x")),
    ("PersistentVolumeClaim", "test-data", "storageClassName", _set("spec.storageClassName", "do-block-storage-xfs")),
    ("PersistentVolumeClaim", "test-data", "labels", lambda c: c["metadata"].update(labels={"a": "b"})),
]

RESTRICTED = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
OWN_OBJECTS = [
    {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "test-db", "namespace": "doc-router"},
        "spec": {
            "serviceName": "test-db",
            "replicas": 1,
            "selector": {"matchLabels": {"app": "test-db"}},
            "template": {
                "metadata": {"labels": {"app": "test-db"}},
                "spec": {"containers": [{"name": "db", "image": "mongo:8.0", "securityContext": RESTRICTED}]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": "do-block-storage",
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
    },
    {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "test-agent", "namespace": "doc-router"},
        "spec": {
            "selector": {"matchLabels": {"app": "test-agent"}},
            "template": {
                "metadata": {"labels": {"app": "test-agent"}},
                "spec": {"containers": [{"name": "agent", "image": "busybox:1.37", "securityContext": RESTRICTED}]},
            },
        },
    },
    {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "test-data", "namespace": "doc-router"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": "do-block-storage",
            "resources": {"requests": {"storage": "1Gi"}},
        },
    },
]


@pytest.fixture(scope="module")
def installed_staging(cluster: Cluster) -> Cluster:
    if cluster.installed != "staging":
        cluster.install("staging")
    cluster.apply(OWN_OBJECTS)
    return cluster


def live(cluster: Cluster, kind: str, prefix: str) -> dict:
    """The applied object (as dist/ or OWN_OBJECTS has it) whose name starts with prefix."""
    objects = [o for layer in flux_layers(REPO, "staging") for o in cluster.build(layer.directory(REPO))]
    return next(o for o in objects + OWN_OBJECTS if o["kind"] == kind and o["metadata"]["name"].startswith(prefix))


@pytest.mark.parametrize("kind, name, what, change", CHANGES, ids=[f"{c[0]}-{c[2]}" for c in CHANGES])
def test_the_immutable_field_list_agrees_with_the_server(
    installed_staging: Cluster, kind: str, name: str, what: str, change
) -> None:
    old = live(installed_staging, kind, name)
    new = copy.deepcopy(old)
    change(new)
    flagged = bool(immutable_changes(kind, field_changes(old, new)))
    dry = installed_staging.kubectl.run(
        "apply", "--server-side", "--field-manager=kustomize-controller", "--force-conflicts", "--dry-run=server",
        "-f", "-", stdin=yaml.safe_dump(new), check=False,
    )  # fmt: skip
    refused = dry.returncode != 0
    assert refused == flagged, f"{kind} {what}: server {'refused' if refused else 'accepted'} ({dry.stderr.strip()})"
    if refused:
        assert is_refused_update(dry.stderr), dry.stderr


def test_every_listed_immutable_field_is_checked_against_the_server() -> None:
    """A field added to kinds.py's immutable rules without a real change above is an unverified claim."""
    checked = {(kind, what) for kind, _, what, _ in CHANGES}
    unchecked = [
        (kind, prefix)
        for kind, description in KINDS.items()
        for prefix in (rule.path for rule in description.immutable if not rule.operator)
        if not any(k == kind and prefix.split(".")[-1].startswith(w) for k, w in checked)
    ]
    assert unchecked == [], unchecked
