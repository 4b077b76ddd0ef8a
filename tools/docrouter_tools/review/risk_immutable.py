"""Changes to fields Kubernetes will not update in place (the rules are kinds.py).

Directly (immutable-field): the apply fails, or with Flux's force annotation the object is deleted and
re-created. Through an operator (operator-immutable): our apply succeeds, but the operator's own Update of
the StatefulSet it derives is refused, so the custom resource goes Failed and the layer's health check fails.
"""

from __future__ import annotations

from docrouter.constants import FORCE_ANNOTATION
from docrouter.kinds import FieldRule, kind_of, path_matches
from docrouter.quantities import parse
from docrouter_tools.review.model import CHANGED, MISSING, FieldChange, Manifest, ObjectChange, RiskFlag
from docrouter_tools.review.values import show

FORCE = f"{FORCE_ANNOTATION}: enabled"
CLASS_FIELDS = ("storageClassName", "storageClass")


def _hits(kind: str, fields: list[FieldChange], operator: bool) -> list[tuple[FieldRule, list[FieldChange]]]:
    hits = []
    for rule in kind_of(kind).immutable:
        touched = [c for c in fields if path_matches(c.path, rule.path)]
        if rule.operator == operator and touched:
            hits.append((rule, touched))
    return hits


def _pvc_shrinks(change: FieldChange) -> bool:
    if change.path != "spec.resources.requests.storage":
        return False
    old, new = parse(change.old), parse(change.new)
    return old is not None and new is not None and new < old


def _outcome(kind: str, forced: bool) -> tuple[str, str]:
    warning = kind_of(kind).recreate_warning
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


def _direct_flag(change: ObjectChange, new: dict) -> RiskFlag | None:
    hits = [rule.path for rule, _ in _hits(change.key.kind, change.fields, operator=False)]
    if change.key.kind == "PersistentVolumeClaim" and any(_pvc_shrinks(c) for c in change.fields):
        hits.append("spec.resources.requests.storage (shrinking)")
    if not hits:
        return None
    forced = new[change.key].annotations.get(FORCE_ANNOTATION) == "enabled"
    outcome, action = _outcome(change.key.kind, forced)
    return RiskFlag("immutable-field", change.key, f"immutable field changed: {', '.join(hits)}. {outcome}", action)


def _size_direction(kind: str, changes: list[FieldChange]) -> str:
    """ "grows", "shrinks" or "" for the volume sizes (the kind's data fields) among changes."""
    for change in changes:
        if not any(path_matches(change.path, rule.path) for rule in kind_of(kind).data):
            continue
        if change.path.endswith("storage") and change.old is not MISSING and change.new is not MISSING:
            old, new = parse(change.old), parse(change.new)
            if old is not None and new is not None and old != new:
                return "grows" if new > old else "shrinks"
    return ""


def _operator_action(kind: str, changes: list[FieldChange]) -> str:
    direction = _size_direction(kind, changes)
    if direction == "shrinks":
        return (
            "Keep the old size: a volume claim can never shrink (the API server refuses a smaller request), so a "
            "smaller disk means new volumes and a data migration (backup, new resource, restore)."
        )
    if any(c.path.endswith(CLASS_FIELDS) for c in changes):
        return (
            "Keep the old storage class: a bound volume cannot change class; moving means new volumes and a data "
            "migration (backup, new resource, restore)."
        )
    if direction == "grows":
        return (
            "Keep the old size in this change. To grow: expand each PVC by hand (kubectl patch pvc, the storage "
            "class must allow volume expansion), delete the operator's StatefulSet with --cascade=orphan so it "
            "re-creates it, then commit the new size."
        )
    return (
        "Keep the old value: changing it needs the operator's StatefulSet deleted with --cascade=orphan and "
        "re-created, which also renames the pods' DNS (the replica set's member hosts)."
    )


def _operator_flag(change: ObjectChange) -> RiskFlag | None:
    hits = _hits(change.key.kind, change.fields, operator=True)
    if not hits:
        return None
    changed = [c for _, touched in hits for c in touched]
    shown = "; ".join(f"{c.path}: {show(c.old)} → {show(c.new)}" for c in changed[:3])
    direction = _size_direction(change.key.kind, changed)
    note = f" (the volume {direction})" if direction else ""
    reason = (
        f"{shown}{note}. The operator writes its StatefulSet with a plain Update ({hits[0][0].source}), which "
        f"the API server refuses for this field: {change.key.kind} {change.key.name} goes Failed, the layer's "
        "health check fails and nothing after it rolls out; the operator resizes no volume."
    )
    return RiskFlag("operator-immutable", change.key, reason, _operator_action(change.key.kind, changed))


def immutable_field_risks(changes: list[ObjectChange], new: dict[object, Manifest]) -> list[RiskFlag]:
    flags = []
    for change in changes:
        if change.status != CHANGED:
            continue
        for flag in (_direct_flag(change, new), _operator_flag(change)):
            if flag:
                flags.append(flag)
    return flags


def immutable_changes(kind: str, fields: list[FieldChange]) -> list[FieldChange]:
    """The changes the API server refuses on our own apply (kinds.py), not those refused to the operator's
    update of what it owns. The cluster tier checks this list against a real kube-apiserver."""
    return [change for _, touched in _hits(kind, fields, operator=False) for change in touched]
