"""Schema checks: built-in kinds via kubernetes-validate's strict schemas, custom resources via CRD_SCHEMAS.

Validators are built once per schema and reused (kubernetes_validate.validate() re-reads its 1.4 MB
definitions on every call). Custom-resource schemas from the catalog forbid unknown fields under
`spec`; the top level is made strict here too, and `metadata` is checked against Kubernetes' ObjectMeta.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate.utils as kv
from referencing import Registry, Resource

from docrouter.crd_schemas import crd_schema_folder, load_crd_schema
from docrouter.synthesis.checks import is_sops_encrypted
from docrouter.tools.validate.inventory import Inventory
from docrouter.tools.validate.model import ERROR, WARNING, Document, Finding, file_finding, object_finding

DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = {"$ref": f"{DEFINITIONS_ID}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
MAX_ERRORS_PER_OBJECT = 5


def is_builtin(group: str) -> bool:
    return "." not in group or group.endswith(".k8s.io")


@cache
def _schema_dir(kubernetes_version: str) -> str:
    version = [v for v in kv.all_versions() if kv.major_minor(v) <= kubernetes_version][-1]
    return f"kubernetes-json-schema/v{version}-local-strict"


@cache
def _registry(kubernetes_version: str) -> Registry:
    definitions = kv.schema_contents(f"{_schema_dir(kubernetes_version)}/_definitions.json", kubernetes_version)
    return Resource.from_contents(definitions) @ Registry()


@cache
def builtin_validator(kubernetes_version: str, kind: str, api_version: str) -> jsonschema.Validator | None:
    flat = kv.re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv.schema_contents(f"{_schema_dir(kubernetes_version)}/{kind.lower()}-{flat}.json", "")
    except FileNotFoundError:
        return None
    return jsonschema.Draft202012Validator(schema, registry=_registry(kubernetes_version))


@cache
def crd_validator(folder: Path, kind: str, api_version: str, kubernetes_version: str) -> jsonschema.Validator | None:
    group, _, version = api_version.partition("/")
    schema = load_crd_schema(folder, group, kind, version)
    if schema is None:
        return None
    schema["properties"]["metadata"] = OBJECT_META
    return jsonschema.Draft202012Validator(schema, registry=_registry(kubernetes_version))


def check_schemas(inventory: Inventory) -> list[Finding]:
    version = inventory.env.kubernetes_version
    folder = crd_schema_folder()
    findings: list[Finding] = []
    crd_folder_present = folder.is_dir()
    if not crd_folder_present:
        findings.append(
            file_finding(
                "schema/crd-skipped",
                "",
                f"skipped: CRD_SCHEMAS folder {folder} not found; custom resources were not schema-checked",
                "run `make crd-schemas`, or point CRD_SCHEMAS at a folder of {group}/{kind}_{version}.json",
                WARNING,
            )
        )
    for doc in inventory.documents:
        api_version = str(doc.obj["apiVersion"])
        if is_builtin(doc.group):
            validator = builtin_validator(version, doc.kind, api_version)
        elif crd_folder_present:
            validator = crd_validator(folder, doc.kind, api_version, version)
        else:
            continue
        if validator is None:
            findings.append(_no_schema(doc, folder))
        else:
            findings += _schema_errors(doc, _as_applied(doc.obj), validator)
    return findings


def _no_schema(doc: Document, folder: Path) -> Finding:
    api_version = doc.obj["apiVersion"]
    if is_builtin(doc.group):
        return object_finding(
            doc,
            "schema/no-schema",
            f"Kubernetes has no {doc.kind} in {api_version}",
            "use the apiVersion the pinned Kubernetes version serves (see `kubectl api-resources`)",
        )
    # A group the catalog knows but without this kind/version is almost surely a typo or a removed version.
    known_group = (folder / doc.group).is_dir()
    return object_finding(
        doc,
        "schema/no-schema",
        f"no schema {doc.group}/{doc.kind.lower()}_{api_version.partition('/')[2]}.json in {folder}",
        "check kind and apiVersion" if known_group else "add the CRD's JSON schema to the CRD_SCHEMAS folder",
        ERROR if known_group else WARNING,
    )


def _as_applied(obj: dict) -> dict:
    """Flux decrypts SOPS files and drops their `sops` metadata before applying them."""
    return {k: v for k, v in obj.items() if k != "sops"} if is_sops_encrypted(obj) else obj


def _schema_errors(doc: Document, obj: dict, validator: jsonschema.Validator) -> list[Finding]:
    errors = sorted(validator.iter_errors(obj), key=lambda e: [str(p) for p in e.absolute_path])
    findings = []
    for error in errors[:MAX_ERRORS_PER_OBJECT]:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        if error.validator == "additionalProperties":
            rule, fix = "schema/unknown-field", "remove the field or correct its spelling"
        else:
            rule, fix = "schema/invalid", "correct the value to match the schema"
        findings.append(object_finding(doc, rule, f"{where}: {error.message[:200]}", fix))
    return findings
