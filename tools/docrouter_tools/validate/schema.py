"""Schema checks: every object against the real schemas (`docrouter/schemas.py`), every problem reported."""

from __future__ import annotations

from pathlib import Path

from jsonschema.protocols import Validator

from docrouter.identity import is_builtin_group
from docrouter.schemas import (
    SKIP_CRD_SCHEMAS,
    CrdSchemasMissing,
    builtin_validator,
    crd_schema_folder,
    crd_validator,
    problems,
)
from docrouter.synthesis.checks import is_sops_encrypted
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.model import ERROR, WARNING, Document, Finding, file_finding, object_finding

MAX_ERRORS_PER_OBJECT = 5


def check_schemas(inventory: Inventory) -> list[Finding]:
    version = inventory.env.kubernetes_version
    findings: list[Finding] = []
    try:
        folder = crd_schema_folder()
    except CrdSchemasMissing as exc:  # nothing to check against, and the user did not choose to skip: an error
        folder = None
        what, _, fix = str(exc).partition(" Fix: ")
        findings.append(file_finding("schema/crd-skipped", "", what, fix.rstrip("."), ERROR))
    else:
        if folder is None:
            findings.append(
                file_finding(
                    "schema/crd-skipped",
                    "",
                    f"skipped: CRD_SCHEMAS={SKIP_CRD_SCHEMAS}; custom resources were not schema-checked",
                    "unset CRD_SCHEMAS (or point it at a folder of {group}/{kind}_{version}.json) to check them",
                    WARNING,
                )
            )
    crd_folder_present = folder is not None
    for doc in inventory.documents:
        api_version = str(doc.obj["apiVersion"])
        if is_builtin_group(doc.group):
            validator = builtin_validator(version, api_version, doc.kind)
        elif crd_folder_present:
            validator = crd_validator(folder, api_version, doc.kind, version)
        else:
            continue
        if validator is None:
            findings.append(_no_schema(doc, folder))
        else:
            findings += _schema_errors(doc, _as_applied(doc.obj), validator)
    return findings


def _no_schema(doc: Document, folder: Path | None) -> Finding:
    api_version = doc.obj["apiVersion"]
    if is_builtin_group(doc.group):
        return object_finding(
            doc,
            "schema/no-schema",
            f"Kubernetes has no {doc.kind} in {api_version}",
            "use the apiVersion the pinned Kubernetes version serves (see `kubectl api-resources`)",
        )
    # A group the catalog knows but without this kind/version is almost surely a typo or a removed version.
    known_group = folder is not None and (folder / doc.group).is_dir()
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


def _schema_errors(doc: Document, obj: dict, validator: Validator) -> list[Finding]:
    findings = []
    for problem in problems(validator, obj)[:MAX_ERRORS_PER_OBJECT]:
        if problem.unknown_field:
            rule, fix = "schema/unknown-field", "remove the field or correct its spelling"
        else:
            rule, fix = "schema/invalid", "correct the value to match the schema"
        # A Secret's values (even wrongly typed ones) are credentials: name the field, never the value.
        message = f"field {problem.path}: does not match the schema" if doc.kind == "Secret" else problem.message
        findings.append(object_finding(doc, rule, message if not problem.unknown_field else problem.message, fix))
    return findings
