"""The shared definitions every tool uses: selectors, image references, object identity."""

from __future__ import annotations

import pytest

from docrouter.pod_templates import containers, pod_template, selector_matches, unpinned
from docrouter.synthesis.checks import SynthError, check_api_rules, check_unique

WEB = {"app": "web", "tier": "front"}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        (None, False),  # apimachinery LabelSelectorAsSelector: nil selects nothing…
        ({}, True),  # …an empty selector everything
        ({"matchLabels": {"app": "web"}}, True),
        ({"matchLabels": {"app": "api"}}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "edge"]}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}, False),
        ({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, False),
        ({"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["web"]}]}, False),  # invalid operator
    ],
)
def test_label_selector_semantics(selector, expected):
    assert selector_matches(selector, WEB) is expected


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("ghcr.io/analytiq-hub/doc-router-backend:v43.0.0", None),
        ("ghcr.io/analytiq-hub/doc-router-backend:v43.0.0@sha256:" + "a" * 64, None),
        ("ghcr.io/analytiq-hub/doc-router-backend@sha256:" + "a" * 64, None),
        ("localhost:5001/doc-router-backend", "no tag"),  # a registry port is not a tag
        ("mongo:latest", "tag latest"),
        ("mongo", "no tag"),
    ],
)
def test_image_pinning(image, problem):
    assert unpinned(image) == problem


def test_cronjob_and_pod_templates_are_found():
    container = {"name": "c", "image": "x:1"}
    cronjob = {
        "kind": "CronJob",
        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [container]}}}}},
    }
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"initContainers": [container]}}
    assert list(containers(cronjob)) == [("containers", container)]
    assert list(containers(pod)) == [("initContainers", container)]
    assert pod_template({"kind": "Service", "spec": {"template": {}}}) is None


def _deployment(replicas: int) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "demo"},
        "spec": {"replicas": replicas, "template": {"metadata": {"labels": WEB}}},
    }


def test_synth_pdb_guard_understands_match_expressions():
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web", "namespace": "demo"},
        "spec": {
            "minAvailable": 2,
            "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
        },
    }
    with pytest.raises(SynthError, match="PodDisruptionBudget demo/web.*Deployment demo/web.*drain would block"):
        check_api_rules("kind", [_deployment(2), pdb])
    check_api_rules("kind", [_deployment(3), pdb])


def test_duplicates_are_named_once_with_group_kind_namespace_name():
    web = _deployment(1)
    with pytest.raises(SynthError, match=r"more than one object named Deployment demo/web\. Fix"):
        check_unique("kind", {"apps": [web, web, web]})
    other_group = dict(web, apiVersion="example.org/v1")
    check_unique("kind", {"apps": [web, other_group]})


def test_validate_and_netflow_read_operator_pod_labels_from_one_rule():
    from docrouter_tools.netflow.runtime import community_pods, search_pods
    from docrouter_tools.validate.model import Document
    from docrouter_tools.validate.workloads import pod_labels

    community = {
        "kind": "MongoDBCommunity",
        "metadata": {"name": "db", "namespace": "mongodb"},
        "spec": {
            "members": 3,
            "statefulSet": {"spec": {"serviceName": "db-hl", "template": {"metadata": {"labels": {"team": "data"}}}}},
        },
    }
    search = {
        "kind": "MongoDBSearch",
        "metadata": {"name": "db", "namespace": "mongodb"},
        "spec": {"clusters": [{"index": 1, "replicas": 1}]},
    }
    assert pod_labels(Document(community, "f.yaml", 0)) == {"team": "data", "app": "db-hl"}
    assert {p.name: p.labels for p in community_pods(community)} == {
        "db-0": {"team": "data", "app": "db-hl"},
        "db-1": {"team": "data", "app": "db-hl"},
    }
    assert pod_labels(Document(search, "f.yaml", 0)) == {"app": "db-search-1-svc"}
    assert [p.name for p in search_pods(search)] == ["db-search-1-0"]
