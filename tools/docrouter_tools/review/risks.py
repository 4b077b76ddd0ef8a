"""Risk flags for one environment: what a reviewer must look at before merging.

Ids are stable (tools and the PR check rely on them); docs/reviewing.md lists every one.
"""

from __future__ import annotations

from docrouter.constants import PRUNE_ANNOTATION
from docrouter.kinds import kind_of
from docrouter_tools.review.model import ADDED, CHANGED, REMOVED, Manifest, ObjectChange, ObjectKey, RiskFlag
from docrouter_tools.review.risk_capacity import capacity_risks
from docrouter_tools.review.risk_immutable import immutable_field_risks
from docrouter_tools.review.risk_netflow import network_flow_risks
from docrouter_tools.review.risk_platform import environment_removed_risk, platform_risks
from docrouter_tools.review.risk_security import security_risks
from docrouter_tools.review.risk_traffic import traffic_risks

RENAME_EXCLUDED = {"Job"}  # a Job with a new name is a new run: add + remove


def _prune_risk(removed: Manifest) -> RiskFlag:
    holds = kind_of(removed.key.kind).prune_deletes
    if removed.annotations.get(PRUNE_ANNOTATION) == "disabled":
        return RiskFlag(
            "prune-data",
            removed.key,
            f"removed from dist/, but it carries {PRUNE_ANNOTATION}: disabled, so Flux leaves it in the "
            f"cluster unmanaged ({holds}).",
            "Delete it by hand once its data is safe, or put it back if the removal is a mistake.",
        )
    return RiskFlag(
        "prune-data",
        removed.key,
        f"removed from dist/: Flux prunes it from the cluster, deleting {holds}.",
        f"Back up first, or keep it and add {PRUNE_ANNOTATION}: disabled before removing it.",
    )


def _without_name(body: dict) -> dict:
    meta = {k: v for k, v in (body.get("metadata") or {}).items() if k != "name"}
    return {**body, "metadata": meta}


def find_renames(changes: list[ObjectChange], old: dict, new: dict) -> list[tuple[ObjectKey, ObjectKey]]:
    removed = [c.key for c in changes if c.status == REMOVED and c.key.kind not in RENAME_EXCLUDED]
    added = [c.key for c in changes if c.status == ADDED]
    pairs = []
    for gone in removed:
        for came in added:
            same_place = (came.kind, came.namespace) == (gone.kind, gone.namespace)
            if same_place and _without_name(old[gone].body) == _without_name(new[came].body):
                pairs.append((gone, came))
                added.remove(came)
                break
    return pairs


CATCH_ALL = ""  # a rule without `host` matches every host no other rule names


def _hosts(body: dict) -> tuple[set[str], set[str]]:
    spec = body.get("spec") or {}
    rules = [r for r in spec.get("rules") or [] if isinstance(r, dict)]
    hosts = {str(r.get("host") or CATCH_ALL) for r in rules}
    tls = {str(h) for t in spec.get("tls") or [] if isinstance(t, dict) for h in t.get("hosts") or []}
    return hosts, tls


def _ingress_risks(change: ObjectChange, old: dict, new: dict) -> list[RiskFlag]:
    old_hosts, old_tls = _hosts(old[change.key].body)
    new_hosts, new_tls = _hosts(new[change.key].body) if change.status == CHANGED else (set(), set())
    flags = []
    gone = sorted(old_hosts - new_hosts - {CATCH_ALL})
    if gone:
        named, them = (f"host {gone[0]}", "it") if len(gone) == 1 else (f"hosts {', '.join(gone)}", "them")
        if CATCH_ALL in new_hosts:
            reason = f"{named} no longer routed by a rule of its own: the rule with no host catches {them} now."
        else:
            reason = f"{named} no longer routed: requests to {them} get 404."
        flags.append(RiskFlag("ingress", change.key, reason, "Keep the host, or confirm clients moved away."))
    if CATCH_ALL in old_hosts and CATCH_ALL not in new_hosts:
        flags.append(
            RiskFlag(
                "ingress",
                change.key,
                "the rule with no host (it caught every host no other rule names) "
                "is removed: requests for any other host now get 404.",
                "Keep the catch-all rule, or confirm every client uses a listed host.",
            )
        )
    if (old_tls - new_tls) & new_hosts:
        flags.append(
            RiskFlag(
                "ingress",
                change.key,
                f"TLS removed for {', '.join(sorted((old_tls - new_tls) & new_hosts))}:"
                " served over plain HTTP or with the controller's default certificate.",
                "Keep the tls entry (and its cert-manager issuer annotation).",
            )
        )
    return flags


def env_risks(changes: list[ObjectChange], old: dict, new: dict) -> list[RiskFlag]:
    renames = find_renames(changes, old, new)
    renamed_away = {gone for gone, _ in renames}
    flags = environment_removed_risk(old, new)
    flags += [
        RiskFlag(
            "rename",
            came,
            f"renamed from {gone.name}: same kind and content, new name. Flux deletes the old "
            f"object and creates the new one (not an in-place rename).",
            "Expect a delete + create; anything referring to the old name breaks, and data it holds goes with it.",
        )
        for gone, came in renames
    ]
    for change in changes:
        if change.status == REMOVED and kind_of(change.key.kind).prune_deletes:
            flags.append(_prune_risk(old[change.key]))
        if change.key.kind == "Ingress" and change.status != ADDED:
            flags += _ingress_risks(change, old, new)
        if change.status == REMOVED and change.key.kind == "NetworkPolicy" and change.key not in renamed_away:
            flags.append(
                RiskFlag(
                    "network-policy",
                    change.key,
                    "NetworkPolicy removed: the pods it selected accept "
                    "traffic it used to block (or lose traffic it allowed).",
                    "Confirm another policy covers these pods, or keep it.",
                )
            )
    flags += immutable_field_risks(changes, new)
    flags += traffic_risks(changes, old, new)
    flags += platform_risks(changes, old, new)
    flags += capacity_risks(changes, old, new)
    flags += security_risks(changes, old, new)
    flags += network_flow_risks(old, new)
    # One object can be reached twice (a Deployment and its HPA both changed): report each flag once.
    return list(dict.fromkeys(flags))
