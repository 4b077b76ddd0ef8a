"""The real schemas every object is checked against, in one place for synth and `make validate`.

Built-in kinds: Kubernetes' own OpenAPI schema for the environment's `kubernetes_version`, as
kubernetes-validate ships it (strict: an unknown field is an error). Custom resources: the vendors'
CRD schemas from the folder `CRD_SCHEMAS` points at, laid out `{group}/{kind}_{version}.json` (CI:
../shared/schemas; `make crd-schemas` fills .cache/crd-schemas; none at all is an error), made strict
at the top level too, with `metadata` checked as Kubernetes' ObjectMeta. Synth refuses an object's
first problem; validate reports them all. Validators are built once per kind and reused.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate.utils as kv
from referencing import Registry, Resource

from docrouter.identity import field_path
from docrouter.paths import REPO_ROOT

CRD_SCHEMAS_VARIABLE = "CRD_SCHEMAS"
DEFAULT_CRD_FOLDER = ".cache/crd-schemas"
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = {"$ref": f"{DEFINITIONS_ID}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}


@dataclass(frozen=True)
class Problem:
    """One way an object breaks its schema; `path` is the field, e.g. spec.template.spec.containers[0].image."""

    path: str
    message: str
    unknown_field: bool


SKIP_CRD_SCHEMAS = "skip"  # CRD_SCHEMAS=skip: the user's explicit choice to not check custom resources
SHARED_CRD_FOLDER = REPO_ROOT.parent / "shared" / "schemas"  # the team's shared folder beside the checkout


class CrdSchemasMissing(ValueError):
    """No CRD schema source: custom resources would pass unchecked, so this is an error."""


def crd_schema_folder() -> Path | None:
    """Where CRD schemas are read from: CRD_SCHEMAS, else .cache/crd-schemas (`make crd-schemas`), else the
    team's shared folder beside the checkout; None when CRD_SCHEMAS=skip. Nothing found is an error: a typo
    in a custom resource must never pass because a folder is missing."""
    value = os.environ.get(CRD_SCHEMAS_VARIABLE, "")
    if value == SKIP_CRD_SCHEMAS:
        return None
    fix = (
        "Fix: run `make crd-schemas` (needs internet), or point CRD_SCHEMAS at the team's shared schemas folder "
        f"(e.g. CRD_SCHEMAS=../shared/schemas), or set CRD_SCHEMAS={SKIP_CRD_SCHEMAS} to not check custom resources."
    )
    if value:
        if Path(value).is_dir():
            return Path(value)
        raise CrdSchemasMissing(f"CRD_SCHEMAS={value[:200]} is not a folder of CRD schemas. {fix}")
    for folder in (REPO_ROOT / DEFAULT_CRD_FOLDER, SHARED_CRD_FOLDER):
        if folder.is_dir():
            return folder
    raise CrdSchemasMissing(
        f"no CRD schemas to check custom resources against (CRD_SCHEMAS is unset; neither {DEFAULT_CRD_FOLDER} "
        f"nor ../shared/schemas exists). {fix}"
    )


def load_crd_schema(folder: Path, group: str, kind: str, version: str) -> dict[str, Any] | None:
    """The kind's schema, strict at the top level too (a typo there is an error); None when absent."""
    path = folder / group / f"{kind.lower()}_{version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema.setdefault("additionalProperties", False)
    schema.setdefault("properties", {})
    return schema


@cache
def _schema_dir(kubernetes_version: str) -> str:
    """The schemas of that version, or of the newest one kubernetes-validate ships before it."""
    versions = [v for v in kv.all_versions() if kv.major_minor(v) <= kubernetes_version]
    if not versions:
        raise ValueError(
            f"kubernetes_version {kubernetes_version} is older than any schema kubernetes-validate ships "
            f"(oldest: {kv.major_minor(kv.all_versions()[0])}); use a supported Kubernetes version"
        )
    return f"kubernetes-json-schema/v{versions[-1]}-local-strict"


@cache
def _registry(kubernetes_version: str) -> Registry:
    definitions = kv.schema_contents(f"{_schema_dir(kubernetes_version)}/_definitions.json", kubernetes_version)
    return Resource.from_contents(definitions) @ Registry()


@cache
def builtin_validator(kubernetes_version: str, api_version: str, kind: str) -> jsonschema.Validator | None:
    """None when that Kubernetes version serves no such kind in that apiVersion."""
    flat = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv.schema_contents(f"{_schema_dir(kubernetes_version)}/{kind.lower()}-{flat}.json", "")
    except FileNotFoundError:
        return None
    return jsonschema.Draft202012Validator(schema, registry=_registry(kubernetes_version))


@cache
def crd_validator(folder: Path, api_version: str, kind: str, kubernetes_version: str) -> jsonschema.Validator | None:
    """None when the folder holds no schema for that kind and version."""
    group, _, version = api_version.partition("/")
    schema = load_crd_schema(folder, group, kind, version)
    if schema is None:
        return None
    schema["properties"]["metadata"] = OBJECT_META
    return jsonschema.Draft202012Validator(schema, registry=_registry(kubernetes_version))


def problems(validator: jsonschema.Validator, obj: dict[str, Any]) -> list[Problem]:
    """Every problem, in field order; an unknown field is named by its own path, with the valid names."""
    found = []
    for error in validator.iter_errors(obj):
        where = field_path(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = sorted(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
            for name in sorted(set(error.instance) - set(known)):
                path = f"{where}.{name}" if where else name
                message = f"unknown field '{path}'" + (f" (valid here: {', '.join(known)})" if known else "")
                found.append(Problem(path, message, unknown_field=True))
        else:
            where = where or "(top level)"
            found.append(Problem(where, f"field {where}: {error.message[:200]}", unknown_field=False))
    return sorted(found, key=lambda p: p.path)
