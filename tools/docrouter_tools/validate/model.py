"""What the checks read (Document) and what they report (Finding)."""

from __future__ import annotations

from dataclasses import dataclass, field

from docrouter.identity import api_group, object_ref
from docrouter_tools.validate.rules import EXEMPTIBLE_PREFIXES, exemption_annotation

ERROR, WARNING, INFO, EXEMPT = "error", "warning", "info", "exempt"
SEVERITY_ORDER = (ERROR, WARNING, EXEMPT, INFO)

# Kinds that live outside namespaces; every other kind needs one.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "APIService",
        "PriorityClass",
        "RuntimeClass",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ClusterIssuer",
        "ClusterSecretStore",
        "VolumeSnapshotClass",
    }
)


@dataclass(frozen=True)
class Finding:
    severity: str
    rule: str
    object: str  # "Kind namespace/name", "Kind name" when cluster-scoped, "" for file-level findings
    file: str  # path relative to the repository root
    message: str
    fix: str
    document: int | None = None  # index of the document in the file, from 0

    @property
    def where(self) -> str:
        return self.file if self.document is None else f"{self.file}#{self.document}"


@dataclass
class Document:
    """One Kubernetes object as committed, and where Flux applies it from."""

    obj: dict
    file: str
    index: int  # position of the document in its file, from 0
    unit: str = ""  # the Flux Kustomization (or clusters/<env> folder) that applies it
    namespace: str | None = None  # metadata.namespace, or the Kustomization's targetNamespace
    extra: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name", ""))

    @property
    def group(self) -> str:
        return api_group(self.obj)

    @property
    def annotations(self) -> dict:
        annotations = (self.obj.get("metadata") or {}).get("annotations") or {}
        return annotations if isinstance(annotations, dict) else {}

    @property
    def ref(self) -> str:
        return object_ref(self.kind, self.namespace, self.name)


def file_finding(
    rule: str, file: str, message: str, fix: str, severity: str = ERROR, document: int | None = None
) -> Finding:
    return Finding(severity, rule, "", file, message, fix, document)


def object_finding(doc: Document, rule: str, message: str, fix: str, severity: str = ERROR) -> Finding:
    """A finding about one object, downgraded to `exempt` when the object carries a reasoned exemption."""
    reason = doc.annotations.get(exemption_annotation(rule)) if rule.startswith(EXEMPTIBLE_PREFIXES) else None
    if severity == ERROR and isinstance(reason, str) and reason.strip():
        message = f"{message} (exempted: {reason.strip()})"
        severity = EXEMPT
    return Finding(severity, rule, doc.ref, doc.file, message, fix, doc.index)
