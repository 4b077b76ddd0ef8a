"""Pods that controllers create from our custom resources, which dist/ never contains.

Selectors (Services, PodDisruptionBudgets, NetworkPolicies) must match these pods, so
validate and the network-flow checks need their labels. Read from the MongoDB operator,
mongodb/mongodb-kubernetes at tag 1.10.0 (the chart version we pin):
- MongoDBCommunity <name>: StatefulSet <name>, pods labelled app=<name>-svc
  (mongodb-community-operator/controllers/construct/mongodbstatefulset.go; ServiceName()).
- MongoDBSearch <name>: StatefulSet <name>-search-0, pods labelled app=<name>-search-0-svc
  (controllers/searchcontroller/mongodbsearch_reconcile_helper.go podLabels,
  api/mongodb/v1/search/mongodbsearch_types.go SearchServiceNamespacedNameForCluster).
"""

from __future__ import annotations


def community_pod_labels(name: str) -> dict[str, str]:
    return {"app": f"{name}-svc"}


def search_pod_labels(name: str) -> dict[str, str]:
    return {"app": f"{name}-search-0-svc"}


# kind → labels of the pods the operator creates for an object of that name.
OPERATED_KINDS = {
    "MongoDBCommunity": community_pod_labels,
    "MongoDBSearch": search_pod_labels,
}


def operated_pod_labels(kind: str, name: str) -> dict[str, str] | None:
    rule = OPERATED_KINDS.get(kind)
    return rule(name) if rule else None
