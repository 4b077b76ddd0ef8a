"""What each kind we deploy means to the cluster: one description read by the synth guards, `make validate`
and `make diff`.

Per kind: where its pod templates are (also those a custom resource embeds, which an operator merges into
the pods it creates), the fields the API server refuses to change (directly, or when an operator updates
the object it owns), what Flux's prune deletes with it, and how many pods it runs. Each rule names the
upstream code it comes from; Kubernetes rules are read from k8s.io/kubernetes v1.37.2, the MongoDB
operator's from mongodb/mongodb-kubernetes at tag 1.10.0 (we pin chart 1.9.1; crd_versions.py says how they differ).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from docrouter import pod_templates
from docrouter.operated import OPERATED_KINDS

K8S = "k8s.io/kubernetes v1.37.2"
APPS_VALIDATION = f"{K8S} pkg/apis/apps/validation/validation.go"
CORE_VALIDATION = f"{K8S} pkg/apis/core/validation/validation.go"
BATCH_VALIDATION = f"{K8S} pkg/apis/batch/validation/validation.go"
# The Community controller writes its StatefulSet with a plain Update (CreateOrUpdate → UpdateStatefulSet),
# so the API server's StatefulSet update rules apply to what it derives from the custom resource.
OPERATOR_UPDATE = "mongodb/mongodb-kubernetes 1.10.0 mongodb-community-operator/pkg/kube/statefulset/statefulset.go"
SEARCH_STATEFULSET = "mongodb/mongodb-kubernetes 1.10.0 controllers/searchcontroller/mongodbsearch_reconcile_helper.go"


@dataclass(frozen=True)
class FieldRule:
    """A field path prefix ("[*]" matches any list index) and the upstream rule that governs it."""

    path: str
    source: str
    operator: bool = False  # refused when the operator updates the object it owns, not on our apply


@dataclass(frozen=True)
class Kind:
    name: str
    immutable: tuple[FieldRule, ...] = ()
    data: tuple[FieldRule, ...] = ()  # fields that size or place stored data (volume claims)
    prune_deletes: str = ""  # what Flux's prune deletes with the object; "" when nothing of value
    recreate_warning: str = ""  # what delete + re-create (Flux's force) costs


# StatefulSet: "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template',
# 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds'
# are forbidden" (ValidateStatefulSetUpdate).
_STATEFULSET_FIXED = ("selector", "volumeClaimTemplates", "serviceName", "podManagementPolicy")
_STS_DATA_LOSS = (
    "Data-loss warning: re-creating a StatefulSet stops all its pods at once, and any PVC whose retention "
    "policy is Delete is deleted with it; check persistentVolumeClaimRetentionPolicy and take a backup first."
)


def _under(prefix: str, fields: Iterable[str], source: str, operator: bool = False) -> tuple[FieldRule, ...]:
    return tuple(FieldRule(f"{prefix}.{f}", source, operator) for f in fields)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "Deployment",
            # apps/v1 selectors are immutable (ValidateDeploymentUpdate, field is immutable)
            immutable=(FieldRule("spec.selector", f"{APPS_VALIDATION} ValidateDeploymentUpdate"),),
        ),
        Kind(
            "StatefulSet",
            immutable=_under("spec", _STATEFULSET_FIXED, f"{APPS_VALIDATION} ValidateStatefulSetUpdate"),
            data=(FieldRule("spec.volumeClaimTemplates", f"{APPS_VALIDATION} ValidateStatefulSetUpdate"),),
            prune_deletes="its pods (and, with a Delete retention policy, their volumes)",
            recreate_warning=_STS_DATA_LOSS,
        ),
        Kind("DaemonSet", immutable=(FieldRule("spec.selector", f"{APPS_VALIDATION} ValidateDaemonSetUpdate"),)),
        Kind(
            "Job",
            # the pod template is immutable except a few scheduling fields of a suspended Job (ValidateJobSpecUpdate)
            immutable=_under("spec", ("selector", "template"), f"{BATCH_VALIDATION} ValidateJobSpecUpdate"),
        ),
        Kind(
            "Service",
            immutable=_under("spec", ("clusterIP", "clusterIPs"), f"{CORE_VALIDATION} ValidateServiceUpdate"),
        ),
        Kind(
            "PersistentVolumeClaim",
            # "spec is immutable after creation except resources.requests ..."; requests may not shrink
            immutable=(FieldRule("spec.storageClassName", f"{CORE_VALIDATION} ValidatePersistentVolumeClaimUpdate"),),
            data=(
                FieldRule("spec.resources.requests.storage", f"{CORE_VALIDATION} ValidatePersistentVolumeClaimUpdate"),
            ),
            prune_deletes="its volume and the data on it",
            recreate_warning=(
                "Data-loss warning: re-creating a PVC releases its volume; with reclaimPolicy Delete the data is "
                "gone. Take a backup or snapshot first."
            ),
        ),
        Kind(
            "MongoDBCommunity",
            # spec.statefulSet is merged into the StatefulSet the operator owns and updates.
            immutable=_under("spec.statefulSet.spec", _STATEFULSET_FIXED, OPERATOR_UPDATE, operator=True),
            data=(FieldRule("spec.statefulSet.spec.volumeClaimTemplates", OPERATOR_UPDATE, operator=True),),
            # The operator deletes the database's StatefulSet with it (owner reference).
            prune_deletes="the replica set's StatefulSet and pods (volumes stay, retention Retain)",
        ),
        Kind(
            "MongoDBSearch",
            # persistence becomes the search StatefulSet's volumeClaimTemplates; statefulSet is merged into it.
            immutable=(
                *_under("spec.clusters[*].statefulSet.spec", _STATEFULSET_FIXED, SEARCH_STATEFULSET, operator=True),
                FieldRule("spec.clusters[*].persistence", SEARCH_STATEFULSET, operator=True),
            ),
            data=(FieldRule("spec.clusters[*].persistence", SEARCH_STATEFULSET, operator=True),),
            prune_deletes="the search StatefulSet and its index volumes (rebuilt from the database, slowly)",
        ),
        Kind("Namespace", prune_deletes="every object inside it"),
        Kind("StorageClass", prune_deletes="the class volumes are provisioned from"),
        Kind("CustomResourceDefinition", prune_deletes="every custom resource of that type, cluster-wide"),
        Kind("Secret", prune_deletes="credentials workloads read"),
    )
}


def kind_of(name: str) -> Kind:
    return KINDS.get(name) or Kind(name)


def path_matches(path: str, prefix: str) -> bool:
    """Whether a dotted field path (spec.clusters[0].persistence.single.storage) lies under prefix ([*] any index)."""
    head, star, tail = prefix.partition("[*]")
    if not star:
        return path == prefix or path.startswith((prefix + ".", prefix + "["))
    if not path.startswith(head + "["):
        return False
    rest = path[len(head) + 1 :]
    index, bracket, after = rest.partition("]")
    return bool(bracket) and index.isdigit() and path_matches("x" + after, "x" + tail)


# --- Pod templates -------------------------------------------------------------------------------------------

# Kinds whose pods keep running (and get traffic) as opposed to Jobs that run to completion.
LONG_RUNNING_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod")


@dataclass(frozen=True)
class Template:
    path: str  # where it is in the object, e.g. spec.template or spec.statefulSet.spec.template
    body: dict  # {metadata, spec}
    override: bool  # a partial template an operator merges into its own (unset fields are the operator's)


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def templates(obj: dict) -> Iterator[Template]:
    """Every pod template of an object: a workload's own, or the overrides a custom resource embeds
    (MongoDBCommunity spec.statefulSet.spec.template, each MongoDBSearch spec.clusters[].statefulSet)."""
    own = pod_templates.pod_template(obj)
    if own is not None:
        path = {"Pod": "", "CronJob": "spec.jobTemplate.spec.template"}.get(str(obj.get("kind")), "spec.template")
        yield Template(path, own, override=False)
        return
    spec = _mapping(obj.get("spec"))
    if obj.get("kind") == "MongoDBCommunity":
        template = ((spec.get("statefulSet") or {}).get("spec") or {}).get("template")
        if isinstance(template, dict):
            yield Template("spec.statefulSet.spec.template", template, override=True)
    if obj.get("kind") == "MongoDBSearch":
        for index, cluster in enumerate(spec.get("clusters") or []):
            template = (((cluster or {}).get("statefulSet") or {}).get("spec") or {}).get("template")
            if isinstance(template, dict):
                yield Template(f"spec.clusters[{index}].statefulSet.spec.template", template, override=True)


def template_containers(template: Template) -> Iterator[tuple[str, dict]]:
    spec = _mapping(template.body.get("spec"))
    for field in pod_templates.CONTAINER_FIELDS:
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                yield field, container


# --- Replicas ------------------------------------------------------------------------------------------------

# Kinds with spec.replicas (default 1) that a PodDisruptionBudget and an HPA are weighed against.
REPLICATED_KINDS = ("Deployment", "StatefulSet", "ReplicaSet")
HPA_SOURCE = f"{K8S} pkg/controller/podautoscaler/horizontal.go"


def as_count(value: object, default: int = 1) -> int:
    """A replica count from a manifest; a damaged value (text, a list) counts as the API default."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def hpa_for(workload: dict, objects: Iterable[dict]) -> dict | None:
    """The HorizontalPodAutoscaler whose scaleTargetRef names workload (same namespace, kind and name)."""
    meta = workload.get("metadata") or {}
    for other in objects:
        target = (other.get("spec") or {}).get("scaleTargetRef") or {}
        if (
            other.get("kind") == "HorizontalPodAutoscaler"
            and (other.get("metadata") or {}).get("namespace") == meta.get("namespace")
            and target.get("kind") == workload.get("kind")
            and target.get("name") == meta.get("name")
        ):
            return other
    return None


@dataclass(frozen=True)
class Replicas:
    count: int  # the fewest pods the workload can run on its own: what a PDB and a rollout are weighed against
    hpa: bool  # an HPA decides the count (count is its minReplicas)


def replicas(workload: dict, objects: Iterable[dict]) -> Replicas:
    """The workload's replica count, with the HPA rule decided once: an HPA scales its target anywhere
    between minReplicas (default 1) and maxReplicas whatever spec.replicas says, so its minReplicas is the
    count to weigh a PDB or a rollout against; a target at 0 replicas disables the HPA
    (horizontal.go: "scaling is disabled since the replica count of the target is zero")."""
    spec = workload.get("spec") or {}
    declared = as_count(spec.get("replicas", 1))
    hpa = hpa_for(workload, objects) if workload.get("kind") in REPLICATED_KINDS else None
    if hpa is None or declared == 0:
        return Replicas(declared, False)
    return Replicas(as_count((hpa.get("spec") or {}).get("minReplicas", 1)), True)


def pod_sets(obj: dict, objects: Iterable[dict]) -> list[tuple[str, dict[str, str], int]]:
    """(workload, pod labels, replicas) of the pods an object runs: its own (replicas by the rule above), or
    the StatefulSets an operator runs for a custom resource (operated.py: members, search replicas)."""
    if obj.get("kind") in REPLICATED_KINDS:
        name = str((obj.get("metadata") or {}).get("name", ""))
        return [(name, pod_templates.template_labels(obj), replicas(obj, objects).count)]
    rule = OPERATED_KINDS.get(str(obj.get("kind")))
    return rule(obj) if rule else []


# --- Rollouts ------------------------------------------------------------------------------------------------

DEFAULT_SURGE = DEFAULT_UNAVAILABLE = "25%"  # apps/v1 Deployment defaults (pkg/apis/apps/v1/defaults.go)


def strategy_type(workload: dict) -> str:
    return str(((workload.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate"))


def max_unavailable(workload: dict) -> object:
    """maxUnavailable of a rolling update with its API default; None when the kind does no rolling update."""
    spec = workload.get("spec") or {}
    if workload.get("kind") == "Deployment":
        if strategy_type(workload) != "RollingUpdate":
            return None
        return ((spec.get("strategy") or {}).get("rollingUpdate") or {}).get("maxUnavailable", DEFAULT_UNAVAILABLE)
    if workload.get("kind") == "StatefulSet":
        return ((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("maxUnavailable", 1)
    return None


# --- Volumes -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A volume an object asks for: its own PVC, a StatefulSet's claim template, or one an operator makes."""

    path: str  # where the size is set, e.g. spec.statefulSet.spec.volumeClaimTemplates[0]
    name: str
    storage: object  # the requested size as written (None when unset: the operator's default)
    storage_class: object


def _claim_template(path: str, template: object) -> Claim:
    template = _mapping(template)
    spec = _mapping(template.get("spec"))
    storage = _mapping(_mapping(spec.get("resources")).get("requests")).get("storage")
    name = str(_mapping(template.get("metadata")).get("name", ""))
    return Claim(path, name, storage, spec.get("storageClassName"))


def claims(obj: dict) -> Iterator[Claim]:
    """Every volume claim an object makes or has an operator make (the data fields of KINDS)."""
    kind, spec = obj.get("kind"), _mapping(obj.get("spec"))
    if kind == "PersistentVolumeClaim":
        yield _claim_template("spec", obj)
    templates_at = {"StatefulSet": ("spec", spec), "MongoDBCommunity": ("spec.statefulSet.spec", None)}
    if kind in templates_at:
        prefix, owner = templates_at[str(kind)]
        owner = owner if owner is not None else _mapping(_mapping(spec.get("statefulSet")).get("spec"))
        for index, template in enumerate(owner.get("volumeClaimTemplates") or []):
            yield _claim_template(f"{prefix}.volumeClaimTemplates[{index}]", template)
    if kind == "MongoDBSearch":
        for index, cluster in enumerate(spec.get("clusters") or []):
            persistence = _mapping(_mapping(cluster).get("persistence"))
            volumes = {"single": persistence["single"]} if "single" in persistence else {}
            volumes |= {name: v for name, v in _mapping(persistence.get("multiple")).items()}
            for name, volume in volumes.items():
                volume = _mapping(volume)
                path = f"spec.clusters[{index}].persistence.{'single' if name == 'single' else 'multiple.' + name}"
                yield Claim(path, name, volume.get("storage"), volume.get("storageClass"))


# apiVersion and kind of the custom resources whose type more than one module names: platform/api_objects.py
# builds them; layers.py (Flux health checks) and synthesis/checks.py (which controller installs each CRD)
# read the same names here, so a version bump is one edit.
MONGODB_COMMUNITY = ("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity")
MONGODB_SEARCH = ("mongodb.com/v1", "MongoDBSearch")
CLUSTER_ISSUER = ("cert-manager.io/v1", "ClusterIssuer")
ISSUER = ("cert-manager.io/v1", "Issuer")
CERTIFICATE = ("cert-manager.io/v1", "Certificate")


def group_of(gvk: tuple[str, str]) -> str:
    return gvk[0].partition("/")[0]
