"""Least privilege for Flux: each application layer is applied as its own ServiceAccount.

As Flux's multi-tenancy guide does (fluxcd.io/flux/installation/configuration/multitenancy,
kustomize-controller `spec.serviceAccountName` impersonation), database, pre-deploy and apps run
as `flux-<layer>` in flux-system, bound by a Role in each namespace they touch to exactly the
resources layers.py grants them; synth refuses a layer object outside its grant (grants.py).

infra-controllers and infra-configs keep kustomize-controller's own cluster-admin, deliberately:
they create Namespaces, a StorageClass and ClusterIssuers (cluster-scoped), the HelmReleases whose
charts install CRDs, ClusterRoles and webhook configurations, and the RBAC below; whoever may
create RBAC can grant itself anything, so a narrower role there would be a label, not a limit.
The Role's verbs are what kustomize-controller does with a layer: server-side apply and its dry
run (get, create, patch, update), health checks (list, watch) and prune and force (delete).
Health checks also read what a workload generates (HEALTH_READS): without it the layer's wait never
ends (the real kustomize-controller, tests/cluster, timed out on `apps` with "context canceled").
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from docrouter import constants as c
from docrouter.layers import LAYERS, reconciler_name
from docrouter.platform import api_objects
from docrouter.platform.building_blocks import api_object

VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"]
READ_VERBS = ["get", "list", "watch"]
# kustomize-controller v1.7.3 (fluxcd/pkg runtime v0.91.0 client/impersonator.go) polls health as the
# layer's ServiceAccount with kstatus' caching reader, which also LISTs, in the same namespace, what a
# workload generates (fluxcd/cli-utils v0.36.0-flux.15 pkg/kstatus/polling/clusterreader/
# caching_reader.go, genGroupKinds): a Deployment's ReplicaSets and their Pods, a StatefulSet's Pods.
# A refused LIST makes the object's status Unknown, so the wait runs into the layer's timeout.
HEALTH_READS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("apps", "deployments"): (("apps", "replicasets"), ("", "pods")),
    ("apps", "replicasets"): (("", "pods"),),
    ("apps", "statefulsets"): (("", "pods"),),
}


def health_reads(granted: list[tuple[str, str]]) -> list[dict]:
    """Read-only rules for what the health checks of granted resources list (HEALTH_READS)."""
    reads: dict[str, set[str]] = {}
    for key in granted:
        for group, resource in HEALTH_READS.get(key, ()):
            if (group, resource) not in granted:
                reads.setdefault(group, set()).add(resource)
    return [{"apiGroups": [g], "resources": sorted(r), "verbs": READ_VERBS} for g, r in sorted(reads.items())]


@dataclass(frozen=True)
class FluxLayerAccountsProps:
    # The namespaces the environment creates (infrastructure.Namespaces): a grant elsewhere is skipped,
    # e.g. no mongodb namespace with an external database (and no database layer).
    namespaces: frozenset[str] = frozenset()


class FluxLayerAccounts(Construct):
    def __init__(self, scope: Construct, id: str, *, props: FluxLayerAccountsProps) -> None:
        super().__init__(scope, id)
        labels = dict(c.PART_OF_LABEL)
        namespaces = props.namespaces
        for layer in (layer for layer in LAYERS if layer.grants):
            account = reconciler_name(layer)
            api_object(self, api_objects.ServiceAccount, name=account, namespace=c.FLUX_NAMESPACE, labels=labels)
            by_namespace: dict[str, list[dict]] = {}
            granted: dict[str, list[tuple[str, str]]] = {}
            for namespace, group, resources in layer.grants:
                rule = {"apiGroups": [group], "resources": list(resources), "verbs": VERBS}
                by_namespace.setdefault(namespace, []).append(rule)
                granted.setdefault(namespace, []).extend((group, r) for r in resources)
            for namespace, keys in granted.items():
                by_namespace[namespace] += health_reads(keys)
            for namespace, rules in sorted(by_namespace.items()):
                if namespace not in namespaces:
                    continue  # e.g. no mongodb namespace with an external database (and no database layer)
                api_object(
                    self, api_objects.Role, name=account, namespace=namespace, labels=labels, body={"rules": rules}
                )
                api_object(
                    self,
                    api_objects.RoleBinding,
                    name=account,
                    namespace=namespace,
                    labels=labels,
                    body={
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": account},
                        "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": c.FLUX_NAMESPACE}],
                    },
                )
