"""Capacity dropping: replicas to 0 or down to a PDB's minAvailable, a PDB removed or raised to the
replica count, a rolling update allowed to take pods away (maxUnavailable raised above 0), a
multi-replica Deployment switched to Recreate."""

from __future__ import annotations

from docrouter.kinds import REPLICATED_KINDS, max_unavailable, strategy_type
from docrouter.pod_templates import blocks_drains, min_available, selector_matches, template_labels
from docrouter_tools.review.model import ADDED, CHANGED, REMOVED, Manifest, ObjectChange, ObjectKey, RiskFlag, counted
from docrouter_tools.review.podspec import replica_count


def _is_zero(value: object) -> bool:
    return str(value) in ("0", "0%")


def _min_available(pdb: Manifest) -> int | None:
    return min_available(pdb.body)


def _pdbs_for(workload: Manifest, objects: dict[ObjectKey, Manifest]) -> list[Manifest]:
    labels = template_labels(workload.body)
    return [
        m
        for m in objects.values()
        if m.key.kind == "PodDisruptionBudget"
        and m.key.namespace == workload.key.namespace
        and selector_matches((m.body.get("spec") or {}).get("selector"), labels)
    ]


def _workloads_for(pdb: Manifest, objects: dict[ObjectKey, Manifest]) -> list[Manifest]:
    return [m for m in objects.values() if m.key.kind in REPLICATED_KINDS and pdb in _pdbs_for(m, objects)]


def _drain_flag(workload: Manifest, pdb: Manifest, replicas: int, managed: bool, minimum: int | None) -> RiskFlag:
    counted_replicas = counted(replicas, "replica") + (" (HPA minReplicas)" if managed else "")
    return RiskFlag(
        "capacity",
        workload.key,
        f"{pdb.key.label()} minAvailable {minimum} with {counted_replicas}: no pod may be evicted, so node "
        "drains (upgrades, scale-downs) will block.",
        f"Keep minAvailable below the replica count ({replicas}), or raise replicas above {minimum}.",
    )


def _replica_risks(key: ObjectKey, old: dict, new: dict) -> list[RiskFlag]:
    workload = new[key]
    replicas, managed = replica_count(workload, new)
    before = replica_count(old[key], old)[0] if key in old else None
    flags = []
    if replicas == 0 and before != 0:
        flags.append(
            RiskFlag(
                "capacity",
                key,
                f"replicas drop to 0 (from {before}): the workload stops serving.",
                "Confirm the outage is intended, or keep at least 1 replica.",
            )
        )
    for pdb in _pdbs_for(workload, new):
        minimum = _min_available(pdb)
        blocked_before = before is not None and pdb.key in old and blocks_drains(before, _min_available(old[pdb.key]))
        fewer = before is not None and replicas < before
        if replicas > 0 and blocks_drains(replicas, minimum) and (fewer or not blocked_before):
            flags.append(_drain_flag(workload, pdb, replicas, managed, minimum))
    return flags


def _pdb_risks(change: ObjectChange, old: dict, new: dict) -> list[RiskFlag]:
    """A PDB added or changed so that its minAvailable reaches the replicas it protects."""
    pdb = new[change.key]
    minimum = _min_available(pdb)
    flags = []
    for workload in _workloads_for(pdb, new):
        replicas, managed = replica_count(workload, new)
        previous = _min_available(old[change.key]) if change.key in old else None
        if replicas > 0 and blocks_drains(replicas, minimum) and not blocks_drains(replicas, previous):
            flags.append(_drain_flag(workload, pdb, replicas, managed, minimum))
    return flags


def _recreate_risk(key: ObjectKey, old: dict, new: dict) -> RiskFlag | None:
    replicas, _ = replica_count(new[key], new)
    if (
        key.kind != "Deployment"
        or strategy_type(old[key].body) == "Recreate"
        or strategy_type(new[key].body) != "Recreate"
    ):
        return None
    if replicas < 2:
        return None
    return RiskFlag(
        "capacity",
        key,
        f"strategy switched to Recreate with {counted(replicas, 'replica')}: every pod "
        "stops before any new one starts, so the next rollout is an outage.",
        "Keep RollingUpdate with maxUnavailable 0 and maxSurge ≥ 1, or confirm the downtime.",
    )


def _hpa_target(hpa: ObjectKey, new: dict[ObjectKey, Manifest]) -> ObjectKey | None:
    target = (new[hpa].body.get("spec") or {}).get("scaleTargetRef") or {}
    key = ObjectKey(hpa.env, str(target.get("kind")), hpa.namespace, str(target.get("name")))
    return key if key in new else None


def capacity_risks(changes: list[ObjectChange], old: dict, new: dict) -> list[RiskFlag]:
    flags = []
    for change in changes:
        key = change.key
        if change.status == REMOVED and key.kind == "PodDisruptionBudget":
            flags.append(
                RiskFlag(
                    "capacity",
                    key,
                    "PodDisruptionBudget removed: voluntary disruptions (node drains, "
                    "upgrades) may take down every pod at once.",
                    "Keep the PDB, or confirm the workload may be fully disrupted.",
                )
            )
        if change.status in (ADDED, CHANGED) and key.kind == "PodDisruptionBudget":
            flags += _pdb_risks(change, old, new)
        if change.status == CHANGED and key.kind == "HorizontalPodAutoscaler":
            target = _hpa_target(key, new)  # a lower minReplicas is a replica drop of its workload
            if target is None:
                continue
            key = target
        if change.status == REMOVED or key.kind not in REPLICATED_KINDS:
            continue
        flags += _replica_risks(key, old, new)
        if change.status == CHANGED and change.key.kind in REPLICATED_KINDS:
            recreate = _recreate_risk(key, old, new)
            flags += [recreate] if recreate else []
            before, after = max_unavailable(old[key].body), max_unavailable(new[key].body)
            if before is not None and after is not None and _is_zero(before) and not _is_zero(after):
                flags.append(
                    RiskFlag(
                        "capacity",
                        key,
                        f"rolling update maxUnavailable raised from {before} to "
                        f"{after}: pods are stopped before their replacements are ready.",
                        "Keep maxUnavailable 0 (and maxSurge ≥ 1) unless capacity can drop.",
                    )
                )
    return flags
