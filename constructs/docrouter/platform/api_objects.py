"""Every object is built through one typed class per kind, and checked against that kind's real schema.

A class (`api_objects.Deployment`, `api_objects.HelmRelease`, ...) is the one place that names a kind's apiVersion
and kind. Its fields are written in Kubernetes' own spelling (what the YAML and the docs say) and,
before anything reaches dist/, checked against the kind's schema: Kubernetes' OpenAPI schema of the
environment's version for built-in kinds, the vendor's CRD schema for custom resources
(`docrouter/schemas.py`, also what `make validate` uses). A misspelt or mistyped field fails synth
with one line naming the environment, the object and the field path.

Why not cdk8s' generated L1 classes (`cdk8s_plus_33.k8s.KubeDeployment`, ...): they check the same
OpenAPI schema, but field by field through typed Python structs, which made every synth about 60 %
slower (docs/performance.md) and could check only one Kubernetes version. Like those generated
classes, whose `toJson()` starts from `super.toJson()` and merges their props in, `KubeObject.to_json`
starts from cdk8s' own `ApiObject.to_json()` (apiVersion, kind and metadata: the chart's namespace and
labels, `metadata.add_label()`, ...), adds the checked fields as the construct wrote them, then applies
the object's `add_json_patch()` operations (cdk8s-core src/api-object.ts, `toJson`). The fields stay in
Python, so only metadata crosses into jsii.

Rendering a whole chart (`chart_objects`) skips the one Node round trip per object that `to_json()` costs
(≈ 0.4 ms each, a third of synth's own time, docs/performance.md): for an object whose cdk8s metadata
object was never handed out, the metadata cdk8s would return is computed here, the way cdk8s computes it
(`_cdk8s_metadata`). Any `obj.metadata` access, a nested chart or a missing name takes the round trip;
`tests/test_typed.py` compares both ways on every object of every environment.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from cdk8s import ApiObject, ApiObjectMetadata, ApiObjectMetadataDefinition, Chart, JsonPatch
from constructs import Construct

from docrouter import kinds
from docrouter.identity import api_group, is_builtin_group, ref_of
from docrouter.schemas import builtin_validator, crd_schema_folder, crd_validator, problems

KINDS: dict[tuple[str, str], type[KubeObject]] = {}


class KubeObject(ApiObject):
    """One object in the construct tree; subclasses name their apiVersion and kind."""

    API_VERSION: ClassVar[str] = ""
    KIND: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        KINDS[(cls.API_VERSION, cls.KIND)] = cls

    def __init__(self, scope: Construct, id: str, *, obj: dict[str, Any]) -> None:
        meta = dict(obj["metadata"])
        unknown = sorted(set(meta) - _METADATA_FIELDS)
        if unknown:
            supported = ", ".join(sorted(_METADATA_FIELDS))
            raise ValueError(f"{ref_of(obj)}: metadata.{unknown[0]} is not supported; use only {supported}")
        self._meta = meta
        self._metadata_handed_out = False
        # cdk8s merges the chart's namespace and labels into this metadata (props win), as for any ApiObject.
        super().__init__(scope, id, api_version=self.API_VERSION, kind=self.KIND, metadata=ApiObjectMetadata(**meta))
        self._patches: list[JsonPatch] = []
        # The fields after metadata are kept as JSON text, as crossing into cdk8s would keep them: a value
        # JSON cannot hold fails here, and every to_json() is a fresh copy (a dict shared between objects
        # would print as a YAML anchor and alias, and a caller's edit would change the object).
        try:
            self._text = json.dumps({k: v for k, v in obj.items() if k not in _HEAD}, allow_nan=False)
        except (TypeError, ValueError) as exc:  # a set, a date, NaN: one line naming the object
            raise ValueError(f"{ref_of(obj)}: {exc}; write the value as text, a number, a list or a mapping") from None

    def add_json_patch(self, *ops: JsonPatch) -> None:
        """Patches apply to the whole rendered object (cdk8s' own would only see the metadata it holds)."""
        self._patches.extend(ops)

    @property
    def metadata(self) -> ApiObjectMetadataDefinition:
        """cdk8s' metadata object; once handed out it may change (`add_label`, ...), so only cdk8s can render it."""
        self._metadata_handed_out = True
        return super().metadata

    def to_json(self) -> Any:
        return self._with_fields(super().to_json())

    def rendered_in(self, chart_namespace: str | None, chart_labels: dict[str, str]) -> dict[str, Any]:
        """What `to_json()` returns, for an object whose nearest chart has that namespace and those labels."""
        if self._metadata_handed_out or "name" not in self._meta:
            return self.to_json()
        head = {"apiVersion": self.API_VERSION, "kind": self.KIND}
        return self._with_fields(head | {"metadata": _cdk8s_metadata(self._meta, chart_namespace, chart_labels)})

    def _with_fields(self, head: dict[str, Any]) -> dict[str, Any]:
        rendered = {**head, **json.loads(self._text)}  # apiVersion, kind, metadata first
        return JsonPatch.apply(rendered, *self._patches) if self._patches else rendered


_HEAD = ("apiVersion", "kind", "metadata")
_METADATA_FIELDS = {"name", "namespace", "labels", "annotations"}


def gvk(cls: type[KubeObject]) -> tuple[str, str]:
    return cls.API_VERSION, cls.KIND


def typed_object(scope: Construct, construct_id: str, obj: dict[str, Any]) -> KubeObject:
    """Build `obj` (apiVersion, kind, metadata, fields) as its typed class."""
    cls = KINDS.get((obj["apiVersion"], obj["kind"]))
    if cls is None:
        raise ValueError(
            f"{ref_of(obj)}: no typed class for {obj['kind']} in {obj['apiVersion']}; add one to api_objects.py"
        )
    return cls(scope, construct_id, obj=obj)


def chart_objects(chart: Chart, objects: list[ApiObject] | None = None) -> list[dict[str, Any]]:
    """The JSON of `objects` (default: every object in `chart`, in construct order), as `to_json()` renders them."""
    found = chart.node.find_all() if objects is None else objects
    if objects is None and any(isinstance(c, Chart) and c is not chart for c in found):
        return [o.to_json() for o in found if isinstance(o, ApiObject)]  # an object may belong to a nested chart
    namespace, chart_labels = chart.namespace, dict(chart.labels or {})
    return [
        o.rendered_in(namespace, chart_labels) if isinstance(o, KubeObject) else o.to_json()
        for o in found
        if isinstance(o, ApiObject)
    ]


def _cdk8s_metadata(meta: dict[str, Any], chart_namespace: str | None, chart_labels: dict[str, str]) -> Any:
    """cdk8s 2.70.115's rendered metadata, mirrored: the ApiObject constructor's merge (lib/api-object.js: own
    namespace else the chart's; chart labels under the object's own), then ApiObjectMetadataDefinition.toJson
    (lib/metadata.js) through sanitizeValue (lib/_util.js: keys sorted, null and empty lists and maps dropped).
    Our Apps keep cdk8s' default resolvers, which leave plain strings as they are."""
    own_namespace = meta.get("namespace")
    merged = {
        **meta,
        "namespace": chart_namespace if own_namespace is None else own_namespace,
        "labels": {**chart_labels, **(meta.get("labels") or {})},
    }
    return _sanitized(merged)


def _sanitized(value: Any) -> Any:
    """lib/_util.js sanitizeValue with filterEmptyArrays and filterEmptyObjects; None stands for `undefined`."""
    if isinstance(value, dict):
        kept = {key: clean for key in _js_sorted(value) if (clean := _sanitized(value[key])) is not None}
        return kept or None
    if isinstance(value, list):
        return [_sanitized(item) for item in value] or None
    return value


def _js_sorted(mapping: dict[str, Any]) -> list[str]:
    """The key order of a JavaScript object built from sorted keys: array-index keys ("0", "17") first,
    ascending by value (ECMAScript OrdinaryOwnPropertyKeys), then the rest in sorted order."""
    index = sorted((k for k in mapping if _is_array_index(k)), key=int)
    return index + sorted(k for k in mapping if not _is_array_index(k))


def _is_array_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and (key == "0" or not key.startswith("0")) and int(key) < 2**32 - 1


def check_schema(obj: dict[str, Any], kubernetes_version: str) -> None:
    """Raise ValueError naming the object and its first problem against its kind's schema.

    Custom resources are not checked only when the user chose CRD_SCHEMAS=skip; no schema source is an error.
    """
    api_version, kind = obj["apiVersion"], obj["kind"]
    if is_builtin_group(api_group(obj)):
        validator = builtin_validator(kubernetes_version, api_version, kind)
        missing = f"Kubernetes {kubernetes_version} has no {kind} in {api_version}"
    else:
        folder = crd_schema_folder()
        if folder is None:
            return
        validator = crd_validator(folder, api_version, kind, kubernetes_version)
        group, _, version = api_version.partition("/")
        missing = f"no schema {group}/{kind.lower()}_{version}.json in {folder}"
    if validator is None:
        raise ValueError(f"{ref_of(obj)}: {missing}")
    # Environments share most objects (NetworkPolicies, Namespaces, ...): each distinct one is checked once.
    seen = (id(validator), json.dumps(obj, sort_keys=True))
    if seen in _PASSED:
        return
    found = problems(validator, obj)
    if found:
        fix = "fix the spelling" if found[0].unknown_field else "correct the value"
        raise ValueError(f"{ref_of(obj)}: {found[0].message}; {fix}")
    _PASSED.add(seen)


_PASSED: set[tuple[int, str]] = set()  # (validator, object) pairs that passed; validators are cached for good


# --- Built-in kinds (the Kubernetes API) ----------------------------------------------------------


class Namespace(KubeObject):
    API_VERSION, KIND = "v1", "Namespace"


class ServiceAccount(KubeObject):
    API_VERSION, KIND = "v1", "ServiceAccount"


class Role(KubeObject):
    API_VERSION, KIND = "rbac.authorization.k8s.io/v1", "Role"


class RoleBinding(KubeObject):
    API_VERSION, KIND = "rbac.authorization.k8s.io/v1", "RoleBinding"


class ConfigMap(KubeObject):
    API_VERSION, KIND = "v1", "ConfigMap"


class Service(KubeObject):
    API_VERSION, KIND = "v1", "Service"


class Deployment(KubeObject):
    API_VERSION, KIND = "apps/v1", "Deployment"


class Job(KubeObject):
    API_VERSION, KIND = "batch/v1", "Job"


class HorizontalPodAutoscaler(KubeObject):
    API_VERSION, KIND = "autoscaling/v2", "HorizontalPodAutoscaler"


class PodDisruptionBudget(KubeObject):
    API_VERSION, KIND = "policy/v1", "PodDisruptionBudget"


class Ingress(KubeObject):
    API_VERSION, KIND = "networking.k8s.io/v1", "Ingress"


class NetworkPolicy(KubeObject):
    API_VERSION, KIND = "networking.k8s.io/v1", "NetworkPolicy"


class StorageClass(KubeObject):
    API_VERSION, KIND = "storage.k8s.io/v1", "StorageClass"


# --- Custom resources (their CRDs are installed by the controllers layer or by Flux) -------------


class HelmRepository(KubeObject):
    API_VERSION, KIND = "source.toolkit.fluxcd.io/v1", "HelmRepository"


class OCIRepository(KubeObject):
    API_VERSION, KIND = "source.toolkit.fluxcd.io/v1", "OCIRepository"


class HelmRelease(KubeObject):
    API_VERSION, KIND = "helm.toolkit.fluxcd.io/v2", "HelmRelease"


class Kustomization(KubeObject):
    API_VERSION, KIND = "kustomize.toolkit.fluxcd.io/v1", "Kustomization"


class NotificationProvider(KubeObject):
    API_VERSION, KIND = "notification.toolkit.fluxcd.io/v1beta3", "Provider"


class Alert(KubeObject):
    API_VERSION, KIND = "notification.toolkit.fluxcd.io/v1beta3", "Alert"


class ClusterIssuer(KubeObject):
    API_VERSION, KIND = kinds.CLUSTER_ISSUER


class Issuer(KubeObject):
    API_VERSION, KIND = kinds.ISSUER


class Certificate(KubeObject):
    API_VERSION, KIND = kinds.CERTIFICATE


class MongoDBCommunity(KubeObject):
    API_VERSION, KIND = kinds.MONGODB_COMMUNITY


class MongoDBSearch(KubeObject):
    API_VERSION, KIND = kinds.MONGODB_SEARCH
