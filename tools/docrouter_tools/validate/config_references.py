"""References from workloads and controllers to ConfigMaps, Secrets and StorageClasses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

# cert-manager keeps ClusterIssuers' Secrets in its --cluster-resource-namespace: by default its own namespace.
from docrouter.constants import CERT_MANAGER_NAMESPACE
from docrouter.kinds import claims
from docrouter_tools.validate.external import EXTERNAL_SECRETS
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.model import INFO, Document, Finding, object_finding
from docrouter_tools.validate.workloads import containers, pod_spec

# (kind of the referenced object, its name, a key inside it or None, where the reference is)
Reference = tuple[str, str | None, str | None, str]


def _pod_references(doc: Document) -> Iterator[Reference]:
    for field, container in containers(doc):
        where = f"{field} {container.get('name')}"
        for source in container.get("envFrom") or []:
            for kind, ref_field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                ref = source.get(ref_field)
                if isinstance(ref, dict) and not ref.get("optional"):
                    yield kind, ref.get("name"), None, f"{where} envFrom"
        for variable in container.get("env") or []:
            value_from = variable.get("valueFrom") or {}
            for kind, ref_field in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                ref = value_from.get(ref_field)
                if isinstance(ref, dict) and not ref.get("optional"):
                    yield kind, ref.get("name"), ref.get("key"), f"{where} env {variable.get('name')}"
    spec = pod_spec(doc)
    for volume in spec.get("volumes") or []:
        where = f"volume {volume.get('name')}"
        if isinstance(volume.get("configMap"), dict) and not volume["configMap"].get("optional"):
            yield "ConfigMap", volume["configMap"].get("name"), None, where
        if isinstance(volume.get("secret"), dict) and not volume["secret"].get("optional"):
            yield "Secret", volume["secret"].get("secretName"), None, where
        for source in (volume.get("projected") or {}).get("sources") or []:
            for kind, ref_field in (("ConfigMap", "configMap"), ("Secret", "secret")):
                ref = source.get(ref_field)
                if isinstance(ref, dict) and not ref.get("optional"):
                    yield kind, ref.get("name"), None, f"{where} projected"
    for pull_secret in spec.get("imagePullSecrets") or []:
        yield "Secret", pull_secret.get("name"), None, "imagePullSecrets"


def _secret_references(doc: Document) -> Iterator[tuple[str | None, str, str]]:
    """(namespace, name, where) of Secrets named by non-workload objects."""
    spec = doc.obj.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    if doc.kind == "Ingress":
        for tls in spec.get("tls") or []:
            if tls.get("secretName"):
                yield doc.namespace, tls["secretName"], "spec.tls"
    if doc.kind in ("ClusterIssuer", "Issuer"):
        ref = (spec.get("acme") or {}).get("privateKeySecretRef") or {}
        namespace = CERT_MANAGER_NAMESPACE if doc.kind == "ClusterIssuer" else doc.namespace
        if ref.get("name"):
            yield namespace, ref["name"], "spec.acme.privateKeySecretRef"
        ca_secret = (spec.get("ca") or {}).get("secretName")
        if ca_secret:
            yield namespace, ca_secret, "spec.ca.secretName"
    # The operator reads these from the resource's own namespace (MongoDBCommunity TLSSecretNamespacedName,
    # TLSCaCertificateSecretNamespacedName; MongoDBSearch TLSSecretNamespacedName, 1.9.1).
    tls = (spec.get("security") or {}).get("tls") if isinstance(spec.get("security"), dict) else None
    if doc.kind in ("MongoDBCommunity", "MongoDBSearch") and isinstance(tls, dict):
        for field in ("certificateKeySecretRef", "caCertificateSecretRef"):
            ref = tls.get(field)
            if isinstance(ref, dict) and ref.get("name"):
                yield doc.namespace, ref["name"], f"spec.security.tls.{field}"
    if doc.group.endswith("toolkit.fluxcd.io"):
        decryption = spec.get("decryption") or {}
        for where, ref in (
            ("spec.secretRef", spec.get("secretRef")),
            ("spec.decryption.secretRef", decryption.get("secretRef")),
        ):
            if isinstance(ref, dict) and ref.get("name"):
                yield doc.namespace, ref["name"], where


def check_config_references(inventory: Inventory) -> list[Finding]:
    # a reference may lack a name: then nothing is present under it
    present: dict[tuple[str, str | None, str | None], Document] = {
        (d.kind, d.namespace, d.name): d for d in inventory.of_kind("ConfigMap", "Secret")
    }
    # cert-manager writes each Certificate's spec.secretName in the Certificate's namespace.
    present |= {
        ("Secret", d.namespace, str((d.obj.get("spec") or {}).get("secretName"))): d
        for d in inventory.of_kind("Certificate")
    }
    findings: list[Finding] = []
    external_users: dict[tuple[str, str], list[str]] = defaultdict(list)
    for doc in inventory.documents:
        secret_refs = []
        for kind, name, key, where in _pod_references(doc):
            if kind == "Secret":
                secret_refs.append((doc.namespace, name, where))
            else:
                findings += _check_configmap(doc, present.get(("ConfigMap", doc.namespace, name)), name, key, where)
        for namespace, name, where in secret_refs + list(_secret_references(doc)):
            if ("Secret", namespace, name) in present:
                continue
            if namespace is not None and name is not None and (namespace, name) in EXTERNAL_SECRETS:
                external_users[(namespace, name)].append(doc.ref)
                continue
            findings.append(
                object_finding(
                    doc,
                    "ref/secret",
                    f"{where} names Secret {namespace}/{name}, which is not in this environment",
                    f"commit it as secrets/{inventory.env.name}/{namespace}/{name}.sops.yaml (`make secrets-edit`), "
                    "or declare it in validate/external.py with who creates it",
                )
            )
    for (namespace, name), users in sorted(external_users.items()):
        findings.append(_declared_external(namespace, name, sorted(set(users))))
    return findings + _check_storage_classes(inventory)


def _check_configmap(
    doc: Document, configmap: Document | None, name: str | None, key: str | None, where: str
) -> list[Finding]:
    fix = "create the ConfigMap in the same namespace, correct the name, or mark the reference optional"
    if configmap is None:
        message = f"{where} names ConfigMap {doc.namespace}/{name}, which does not exist"
        return [object_finding(doc, "ref/configmap", message, fix)]
    keys = set(configmap.obj.get("data") or {}) | set(configmap.obj.get("binaryData") or {})
    if key is not None and key not in keys:
        return [object_finding(doc, "ref/configmap", f"{where} reads key '{key}' that ConfigMap {name} lacks", fix)]
    return []


def _declared_external(namespace: str, name: str, users: list[str]) -> Finding:
    return Finding(
        INFO,
        "ref/secret",
        f"Secret {namespace}/{name}",
        "tools/docrouter_tools/validate/external.py",
        f"declared external ({EXTERNAL_SECRETS[(namespace, name)]}); used by {', '.join(users)}",
        "none needed; commit it as a SOPS file and drop the declaration when the repo should own it",
    )


def _storage_class_references(doc: Document) -> Iterator[tuple[str, str]]:
    """Storage classes of every claim the object makes, or has an operator make (kinds.claims)."""
    for claim in claims(doc.obj):
        if claim.storage_class:
            yield str(claim.storage_class), f"{claim.path} ({claim.name})"


def _check_storage_classes(inventory: Inventory) -> list[Finding]:
    defined = {d.name for d in inventory.of_kind("StorageClass")}
    storage = inventory.env.storage
    provided = {storage.name} if storage.provisioner is None else set()
    findings = []
    for doc in inventory.documents:
        for name, where in _storage_class_references(doc):
            if name in defined:
                continue
            if name in provided:
                message = f"{where}: StorageClass {name} is the cluster's own (storage.provisioner is unset)"
                findings.append(object_finding(doc, "ref/storage-class", message, "none needed", INFO))
                continue
            findings.append(
                object_finding(
                    doc,
                    "ref/storage-class",
                    f"{where} names StorageClass {name}, which is neither defined here nor the provider's own",
                    f"use '{storage.name}' (the environment's storage.name), or define the class",
                )
            )
    return findings
