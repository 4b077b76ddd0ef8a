"""Pods that controllers create from our custom resources, which dist/ never contains.

Selectors (Services, PodDisruptionBudgets, NetworkPolicies) must match these pods, so the
constructs, validate and the network-flow proof need their labels: this is the one copy of the
rules. Read from the MongoDB operator, mongodb/mongodb-kubernetes at tag 1.9.1 (the chart version we pin):
- MongoDBCommunity <name>: StatefulSet <name>, pods labelled app=<spec.statefulSet.spec.serviceName
  or <name>-svc> plus the override's template labels
  (mongodb-community-operator/controllers/construct/mongodbstatefulset.go;
  api/v1/mongodbcommunity_types.go ServiceName()).
- MongoDBSearch <name>: per spec.clusters[] entry (index i, default one entry with index 0) StatefulSet
  <name>-search-<i>, pods labelled app=<name>-search-<i>-svc plus the entry's statefulSet template labels
  (controllers/searchcontroller/mongodbsearch_reconcile_helper.go podLabels,
  api/mongodb/v1/search/mongodbsearch_types.go SearchServiceNamespacedNameForCluster).
"""

from __future__ import annotations

from collections.abc import Callable


def _template_labels(statefulset_override: dict) -> dict[str, str]:
    spec = (statefulset_override or {}).get("spec") or {}
    return dict(((spec.get("template") or {}).get("metadata") or {}).get("labels") or {})


def community_pod_sets(resource: dict) -> list[tuple[str, dict[str, str], int]]:
    """(StatefulSet name, pod labels, members) the operator creates for a MongoDBCommunity."""
    name = str((resource.get("metadata") or {}).get("name", ""))
    spec = resource.get("spec") or {}
    override = spec.get("statefulSet") or {}
    service = ((override.get("spec") or {}).get("serviceName")) or f"{name}-svc"
    return [(name, {**_template_labels(override), "app": service}, int(spec.get("members") or 1))]


def search_pod_sets(resource: dict) -> list[tuple[str, dict[str, str], int]]:
    """(StatefulSet name, pod labels, replicas) per search cluster of a MongoDBSearch."""
    name = str((resource.get("metadata") or {}).get("name", ""))
    sets = []
    for cluster in (resource.get("spec") or {}).get("clusters") or [{}]:
        statefulset = f"{name}-search-{int(cluster.get('index') or 0)}"
        labels = {**_template_labels(cluster.get("statefulSet") or {}), "app": f"{statefulset}-svc"}
        sets.append((statefulset, labels, int(cluster.get("replicas") or 1)))
    return sets


# kind → the pod sets the operator creates for an object of that kind.
OPERATED_KINDS: dict[str, Callable[[dict], list[tuple[str, dict[str, str], int]]]] = {
    "MongoDBCommunity": community_pod_sets,
    "MongoDBSearch": search_pod_sets,
}


def community_pod_labels(name: str) -> dict[str, str]:
    return community_pod_sets({"metadata": {"name": name}})[0][1]


def search_pod_labels(name: str) -> dict[str, str]:
    return search_pod_sets({"metadata": {"name": name}})[0][1]


def operated_pod_labels(resource: dict) -> dict[str, str] | None:
    """Labels of the (first) pods an operator creates for resource; None when no operator does."""
    rule = OPERATED_KINDS.get(str(resource.get("kind")))
    return rule(resource)[0][1] if rule else None
