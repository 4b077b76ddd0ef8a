"""Every object is built through a typed class: built-in kinds through cdk8s' L1 classes
(`cdk8s_plus_33.k8s`, generated from the Kubernetes 1.33 OpenAPI schema), custom resources
through one small wrapper per kind validated against its CRD schema (CRD_SCHEMAS).

The constructs describe objects in Kubernetes' own field names (what the YAML and the docs
say); `typed_object` turns each mapping into the L1 struct classes field by field, so a
misspelt field or a wrong type fails at synth with a ValueError naming the object and the
field path, before anything reaches dist/. The L1 classes serialise fields alphabetically;
`ordered_like` restores the order the construct wrote them in, so dist/ reads as before.
"""

from __future__ import annotations

import collections.abc
import typing
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Union

import jsonschema
from cdk8s import ApiObject, ApiObjectMetadata, JsonPatch
from cdk8s_plus_33 import k8s
from constructs import Construct

from docrouter.crd_schemas import crd_schema_folder, load_crd_schema

# Custom resources this platform writes: one typed wrapper each (classes at the end of this file).
CUSTOM_KINDS: dict[tuple[str, str], type[CustomResource]] = {}
_SOURCE = "_docrouter_source"


@cache
def l1_class(api_version: str, kind: str) -> type | None:
    """The L1 class cdk8s generated for a built-in kind (KubeDeployment, KubeIngressV1Beta1, ...).

    Only the classes named after the kind are asked for their GVK: each GVK is a call into Node,
    and asking all of k8s' 171 classes would add about a second to every synth.
    """
    for name, cls in vars(k8s).items():
        if name.startswith(f"Kube{kind}") and isinstance(cls, type) and issubclass(cls, ApiObject):
            # GVK is a class property of each generated L1 class; ApiObject itself has none.
            if (cls.GVK.api_version, cls.GVK.kind) == (api_version, kind):  # type: ignore[attr-defined]
                return cls
    return None


@cache
def gvk(cls: type[ApiObject]) -> tuple[str, str]:
    """(apiVersion, kind) of a typed class: the class is the one place that says it."""
    if issubclass(cls, CustomResource):
        return cls.API_VERSION, cls.KIND
    # GVK is a class property of each generated L1 class; ApiObject itself has none.
    return cls.GVK.api_version, cls.GVK.kind  # type: ignore[attr-defined]


def typed_object(scope: Construct, construct_id: str, obj: dict[str, Any]) -> ApiObject:
    """Build `obj` (apiVersion, kind, metadata, fields) as its typed class."""
    key = (obj["apiVersion"], obj["kind"])
    where = f"{obj['kind']} {'/'.join(filter(None, [obj['metadata'].get('namespace'), obj['metadata']['name']]))}"
    metadata = _struct(k8s.ObjectMeta, obj["metadata"], f"{where}: metadata")
    fields = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    cls = l1_class(*key)
    if cls is not None:
        props = _struct(getattr(k8s, f"{cls.__name__}Props"), fields, where, prefix="")
        result = cls(scope, construct_id, metadata=metadata, **props._values)
    elif key in CUSTOM_KINDS:
        result = CUSTOM_KINDS[key](scope, construct_id, metadata=obj["metadata"], fields=fields, where=where)
    else:
        raise ValueError(f"{where}: no typed class for {key[1]} in {key[0]}; add a CustomResource wrapper in typed.py")
    # metadata's maps are written sorted (as cdk8s' ApiObject always wrote them); the rest in source order.
    meta = {k: dict(sorted(v.items())) if isinstance(v, dict) else v for k, v in obj["metadata"].items()}
    setattr(result, _SOURCE, {**obj, "metadata": meta})
    return result


def chart_objects(scope: Construct) -> list[dict[str, Any]]:
    """The rendered JSON of every object under `scope`, fields in the order the construct wrote them."""
    return [rendered(o) for o in scope.node.find_all() if isinstance(o, ApiObject)]


def rendered(obj: ApiObject) -> dict[str, Any]:
    """One object's JSON as cdk8s renders it, fields in the order the construct wrote them."""
    return ordered_like(obj.to_json(), getattr(obj, _SOURCE, None))


def ordered_like(value: Any, source: Any) -> Any:
    if isinstance(value, dict) and isinstance(source, dict):
        keys = [k for k in source if k in value] + [k for k in value if k not in source]
        return {k: ordered_like(value[k], source.get(k)) for k in keys}
    if isinstance(value, list) and isinstance(source, list) and len(value) == len(source):
        return [ordered_like(v, s) for v, s in zip(value, source, strict=True)]
    return value


@cache
def _fields(cls: type[Any]) -> dict[str, tuple[str, Any]]:
    """Folded field name → (Python parameter, type hint) of a jsii struct class.

    jsii names parameters in snake_case with a trailing _ for Python keywords (`from_`, `except_`),
    and loses acronyms (`clusterIP` → `cluster_ip`): fields are matched on the folded name.
    """
    hints = typing.get_type_hints(cls.__init__)
    hints.pop("return", None)
    return {_fold(param): (param, hint) for param, hint in hints.items()}


def _fold(name: str) -> str:
    return name.replace("_", "").lower()


def _camel(param: str) -> str:
    head, *rest = param.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _struct(cls: type, value: Any, where: str, prefix: str | None = None) -> Any:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object ({cls.__name__}), got {type(value).__name__}")
    fields = _fields(cls)
    kwargs = {}
    for name, item in value.items():
        path = f"{prefix}.{name}" if prefix else name
        if _fold(name) not in fields:
            known = ", ".join(sorted(_camel(param) for param, _ in fields.values()))
            raise ValueError(f"{where}: unknown field '{path}' ({cls.__name__} has: {known}); fix the spelling")
        param, hint = fields[_fold(name)]
        kwargs[param] = _convert(item, hint, where, path)
    try:
        return cls(**kwargs)
    except TypeError as exc:  # jsii's type check: "type of argument revision_history_limit must be ..."
        raise ValueError(f"{where}: field {prefix or cls.__name__}: {exc}") from None


def _convert(value: Any, hint: Any, where: str, path: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Union:
        candidates = [a for a in args if a is not type(None)]
        typed = [a for a in candidates if _is_struct(a) or a in (k8s.IntOrString, k8s.Quantity)]
        if typed:
            return _convert(value, typed[0], where, path)
        return _convert(value, candidates[0], where, path) if len(candidates) == 1 else value
    if origin in (list, collections.abc.Sequence) and isinstance(value, list):
        return [_convert(v, args[0], where, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin in (dict, collections.abc.Mapping) and isinstance(value, dict) and len(args) == 2:
        return {k: _convert(v, args[1], where, f"{path}.{k}") for k, v in value.items()}
    if hint in (k8s.IntOrString, k8s.Quantity) and isinstance(value, (int, str)) and not isinstance(value, bool):
        return _scalar(hint, value)
    if _is_struct(hint):
        return _struct(hint, value, where, path)
    return value


@cache
def _scalar(cls: type[k8s.IntOrString] | type[k8s.Quantity], value: int | str) -> Any:
    """IntOrString / Quantity values are immutable and each one costs a call into Node: make each once."""
    return cls.from_number(value) if isinstance(value, int) else cls.from_string(value)


def _is_struct(hint: Any) -> bool:
    return isinstance(hint, type) and hasattr(hint, "__jsii_struct_bases__")


# --- Custom resources --------------------------------------------------------------------------


@cache
def _crd_validator(folder: str, group: str, kind: str, version: str) -> jsonschema.Validator | None:
    schema = load_crd_schema(Path(folder), group, kind, version)
    if schema is None:
        return None
    schema["properties"]["metadata"] = {"type": "object"}  # ObjectMeta is typed by k8s.ObjectMeta
    return jsonschema.Draft202012Validator(schema)


class CustomResource(ApiObject):
    """A custom resource whose fields are checked against its CRD's schema at synth.

    No CRD YAML is obtainable offline for `cdk8s import` (the team's catalog holds the CRDs'
    JSON schemas only), so each kind is this small wrapper; the schema check names the field.
    When CRD_SCHEMAS points at no folder the check is skipped (`make validate` reports that).
    """

    API_VERSION = ""
    KIND = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        CUSTOM_KINDS[(cls.API_VERSION, cls.KIND)] = cls

    def __init__(
        self, scope: Construct, id: str, *, metadata: Mapping[str, Any], fields: Mapping[str, Any], where: str
    ) -> None:
        meta = ApiObjectMetadata(**{k: metadata.get(k) for k in ("name", "namespace", "labels", "annotations")})
        super().__init__(scope, id, api_version=self.API_VERSION, kind=self.KIND, metadata=meta)
        self._check(dict(fields), where)
        for key, value in fields.items():
            self.add_json_patch(JsonPatch.add(f"/{key}", value))

    def _check(self, fields: dict[str, Any], where: str) -> None:
        folder = str(crd_schema_folder())
        if not Path(folder).is_dir():
            return
        group, _, version = self.API_VERSION.partition("/")
        validator = _crd_validator(folder, group, self.KIND, version)
        if validator is None:
            raise ValueError(f"{where}: no schema {group}/{self.KIND.lower()}_{version}.json in {folder}")
        errors = sorted(
            validator.iter_errors({"apiVersion": self.API_VERSION, "kind": self.KIND, **fields}),
            key=lambda e: [str(p) for p in e.absolute_path],
        )
        if errors:
            field = ".".join(str(p) for p in errors[0].absolute_path) or "(top level)"
            raise ValueError(f"{where}: field {field}: {errors[0].message[:300]}")


class HelmRepository(CustomResource):
    API_VERSION, KIND = "source.toolkit.fluxcd.io/v1", "HelmRepository"


class OCIRepository(CustomResource):
    API_VERSION, KIND = "source.toolkit.fluxcd.io/v1", "OCIRepository"


class HelmRelease(CustomResource):
    API_VERSION, KIND = "helm.toolkit.fluxcd.io/v2", "HelmRelease"


class Kustomization(CustomResource):
    API_VERSION, KIND = "kustomize.toolkit.fluxcd.io/v1", "Kustomization"


class NotificationProvider(CustomResource):
    API_VERSION, KIND = "notification.toolkit.fluxcd.io/v1beta3", "Provider"


class Alert(CustomResource):
    API_VERSION, KIND = "notification.toolkit.fluxcd.io/v1beta3", "Alert"


class ClusterIssuer(CustomResource):
    API_VERSION, KIND = "cert-manager.io/v1", "ClusterIssuer"


class MongoDBCommunity(CustomResource):
    API_VERSION, KIND = "mongodbcommunity.mongodb.com/v1", "MongoDBCommunity"


class MongoDBSearch(CustomResource):
    API_VERSION, KIND = "mongodb.com/v1", "MongoDBSearch"
