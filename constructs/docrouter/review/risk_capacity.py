"""Capacity dropping: replicas to 0 or below a PDB's minAvailable, a PDB removed,
a rolling update allowed to take pods away (maxUnavailable raised above 0)."""

from __future__ import annotations

from .model import CHANGED, REMOVED, Manifest, ObjectChange, ObjectKey, RiskFlag
from .podspec import WORKLOAD_KINDS, replica_count, selects, template_labels

DEFAULT_MAX_UNAVAILABLE = "25%"


def _max_unavailable(body: dict) -> object:
    spec = body.get("spec") or {}
    if body.get("kind") == "Deployment":
        strategy = spec.get("strategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return None
        return (strategy.get("rollingUpdate") or {}).get("maxUnavailable", DEFAULT_MAX_UNAVAILABLE)
    if body.get("kind") == "StatefulSet":
        return ((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("maxUnavailable", 1)
    return None


def _is_zero(value: object) -> bool:
    return str(value) in ("0", "0%")


def _pdbs_for(workload: Manifest, objects: dict[ObjectKey, Manifest]) -> list[Manifest]:
    labels = template_labels(workload.body)
    return [
        m for m in objects.values()
        if m.key.kind == "PodDisruptionBudget" and m.key.namespace == workload.key.namespace
        and selects((m.body.get("spec") or {}).get("selector"), labels)
    ]


def _replica_risks(key: ObjectKey, old: dict, new: dict) -> list[RiskFlag]:
    workload = new[key]
    replicas, managed = replica_count(workload, new)
    before = replica_count(old[key], old)[0] if key in old else None
    counted = f"{replicas} (HPA minReplicas)" if managed else str(replicas)
    flags = []
    if replicas == 0 and before != 0:
        flags.append(RiskFlag("capacity", key, f"replicas drop to 0 (from {before}): the workload stops serving.",
                              "Confirm the outage is intended, or keep at least 1 replica."))
    for pdb in _pdbs_for(workload, new):
        minimum = (pdb.body.get("spec") or {}).get("minAvailable")
        if isinstance(minimum, int) and replicas < minimum and (before is None or before >= minimum or pdb.key not in old):
            flags.append(RiskFlag(
                "capacity", key,
                f"replicas {counted} are below {pdb.key.label()} minAvailable {minimum}: node drains will block.",
                f"Raise replicas to at least {minimum} or lower minAvailable."))
    return flags


def _hpa_target(hpa: ObjectKey, new: dict[ObjectKey, Manifest]) -> ObjectKey | None:
    target = (new[hpa].body.get("spec") or {}).get("scaleTargetRef") or {}
    key = ObjectKey(hpa.env, str(target.get("kind")), hpa.namespace, str(target.get("name")))
    return key if key in new else None


def capacity_risks(changes: list[ObjectChange], old: dict, new: dict) -> list[RiskFlag]:
    flags = []
    for change in changes:
        key = change.key
        if change.status == REMOVED and key.kind == "PodDisruptionBudget":
            flags.append(RiskFlag("capacity", key, "PodDisruptionBudget removed: voluntary disruptions (node drains, "
                                  "upgrades) may take down every pod at once.", "Keep the PDB, or confirm the "
                                  "workload may be fully disrupted."))
        if change.status == CHANGED and key.kind == "HorizontalPodAutoscaler":
            key = _hpa_target(key, new)  # a lower minReplicas is a replica drop of its workload
        if change.status == REMOVED or key is None or key.kind not in WORKLOAD_KINDS:
            continue
        flags += _replica_risks(key, old, new)
        if change.status == CHANGED and change.key.kind in WORKLOAD_KINDS:
            before, after = _max_unavailable(old[key].body), _max_unavailable(new[key].body)
            if before is not None and after is not None and _is_zero(before) and not _is_zero(after):
                flags.append(RiskFlag("capacity", key, f"rolling update maxUnavailable raised from {before} to "
                                      f"{after}: pods are stopped before their replacements are ready.",
                                      "Keep maxUnavailable 0 (and maxSurge ≥ 1) unless capacity can drop."))
    return flags
