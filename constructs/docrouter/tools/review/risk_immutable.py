"""Changes to fields Kubernetes will not update in place: the apply fails, or with
Flux's force annotation the object is deleted and re-created."""

from __future__ import annotations

from docrouter.constants import FORCE_ANNOTATION
from docrouter.quantities import parse
from docrouter.tools.review.model import CHANGED, FieldChange, Manifest, ObjectChange, RiskFlag

FORCE = f"{FORCE_ANNOTATION}: enabled"

# kind → field path prefixes that cannot change after creation
IMMUTABLE_FIELDS = {
    "Deployment": ("spec.selector",),
    "StatefulSet": ("spec.selector", "spec.volumeClaimTemplates", "spec.serviceName"),
    "Service": ("spec.clusterIP", "spec.clusterIPs"),
    "Job": ("spec.template", "spec.selector"),
    "PersistentVolumeClaim": ("spec.storageClassName",),
}
DATA_LOSS = {
    "StatefulSet": (
        "Data-loss warning: re-creating a StatefulSet stops all its pods at once, and any PVC whose retention "
        "policy is Delete is deleted with it; check persistentVolumeClaimRetentionPolicy and take a backup first."
    ),
    "PersistentVolumeClaim": (
        "Data-loss warning: re-creating a PVC releases its volume; with reclaimPolicy Delete the data is gone. "
        "Take a backup or snapshot first."
    ),
}


def _touches(change: FieldChange, prefix: str) -> bool:
    return change.path == prefix or change.path.startswith((prefix + ".", prefix + "["))


def _pvc_shrinks(change: FieldChange) -> bool:
    if change.path != "spec.resources.requests.storage":
        return False
    old, new = parse(change.old), parse(change.new)
    return old is not None and new is not None and new < old


def immutable_changes(kind: str, fields: list[FieldChange]) -> list[str]:
    hits = []
    for prefix in IMMUTABLE_FIELDS.get(kind, ()):
        if any(_touches(c, prefix) for c in fields):
            hits.append(prefix)
    if kind == "PersistentVolumeClaim" and any(_pvc_shrinks(c) for c in fields):
        hits.append("spec.resources.requests.storage (shrinking)")
    return hits


def _outcome(kind: str, forced: bool) -> tuple[str, str]:
    warning = DATA_LOSS.get(kind, "")
    if forced:
        return (
            f"It carries {FORCE}, so Flux will delete it and re-create it (no in-place update).",
            f"Expect the object to be re-created. {warning}".strip(),
        )
    return (
        "Kubernetes rejects the change, so the apply will fail and the Flux Kustomization stays not ready "
        "(nothing after it in that layer is applied).",
        f"To let it through, add the annotation {FORCE} to this object: Flux then deletes and re-creates it. "
        f"{warning} Or keep the old value.".strip(),
    )


def immutable_field_risks(changes: list[ObjectChange], new: dict[object, Manifest]) -> list[RiskFlag]:
    flags = []
    for change in changes:
        if change.status != CHANGED:
            continue
        hits = immutable_changes(change.key.kind, change.fields)
        if not hits:
            continue
        forced = new[change.key].annotations.get(FORCE_ANNOTATION) == "enabled"
        outcome, action = _outcome(change.key.kind, forced)
        reason = f"immutable field changed: {', '.join(hits)}. {outcome}"
        flags.append(RiskFlag("immutable-field", change.key, reason, action))
    return flags
