"""Flux and cert-manager objects whose change stops or misroutes deploys: Kustomizations, HelmReleases,
ClusterIssuers, MongoDB's TLS, and an environment that leaves the repository altogether.

Field meanings: fluxcd/kustomize-controller v1.8.5 api/v1/kustomization_types.go and fluxcd/helm-controller
v1.5.5 api/v2/helmrelease_types.go (Flux 2.8.8); cert-manager v1.19.1 pkg/apis/acme/v1/types_issuer.go.
"""

from __future__ import annotations

import re

from docrouter_tools.review.model import CHANGED, Manifest, ObjectChange, ObjectKey, RiskFlag

LETSENCRYPT = {
    "https://acme-v02.api.letsencrypt.org/directory": "production",
    "https://acme-staging-v02.api.letsencrypt.org/directory": "staging",
}
DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}


def duration_seconds(text: object) -> float | None:
    """A Go duration (1h30m, 12m, 90s) in seconds; None when it is not one."""
    parts = DURATION.findall(str(text))
    if not parts or "".join(a + b for a, b in parts) != str(text):
        return None
    return sum(float(number) * UNIT_SECONDS[unit] for number, unit in parts)


def _spec(body: dict) -> dict:
    spec = body.get("spec")
    return spec if isinstance(spec, dict) else {}


def _depends(spec: dict) -> set[str]:
    return {str((d or {}).get("name")) for d in spec.get("dependsOn") or []}


def _deadline_in(path: str, objects: dict[ObjectKey, Manifest]) -> int | None:
    """The longest activeDeadlineSeconds of a Job under the Kustomization's path (what its wait must outlast)."""
    folder = path.removeprefix("./").rstrip("/") + "/"
    deadlines = [
        m.body["spec"]["activeDeadlineSeconds"]
        for m in objects.values()
        if m.key.kind == "Job"
        and m.path.startswith(folder)
        and isinstance(_spec(m.body).get("activeDeadlineSeconds"), int)
    ]
    return max(deadlines, default=None)


def kustomization_problems(old: dict, new: dict, objects: dict[ObjectKey, Manifest]) -> list[tuple[str, str]]:
    """(what changed, what to do) for one Flux Kustomization."""
    before, after = _spec(old), _spec(new)
    found = []
    if before.get("prune") is True and after.get("prune") is not True:
        found.append(
            ("prune turned off: objects removed from dist/ stay in the cluster, unmanaged", "Keep prune: true.")
        )
    if before.get("wait") is True and after.get("wait") is not True:
        found.append(
            (
                "wait removed: the layer is Ready before its objects are, so dependents start too early",
                "Keep wait: true.",
            )
        )
    if after.get("suspend") is True and before.get("suspend") is not True:
        found.append(
            ("suspend: true: Flux stops applying this layer (and every layer after it waits)", "Remove suspend.")
        )
    lost = sorted(_depends(before) - _depends(after))
    if lost:
        found.append(
            (
                f"dependsOn no longer waits for {', '.join(lost)}: the layer may apply before them",
                "Keep the dependency.",
            )
        )
    if before.get("decryption") and not after.get("decryption"):
        found.append(
            (
                "decryption removed: SOPS Secrets are applied still encrypted (the apply fails)",
                "Keep decryption with provider sops.",
            )
        )
    for field in ("path", "sourceRef"):
        if before.get(field) != after.get(field):
            found.append(
                (
                    f"{field} changed ({before.get(field)} → {after.get(field)}): Flux applies another tree and prunes "
                    "what the old one had",
                    "Confirm the new source holds everything the old one did.",
                )
            )
    deadline = _deadline_in(str(after.get("path", "")), objects)
    timeout, previous = duration_seconds(after.get("timeout")), duration_seconds(before.get("timeout"))
    if deadline and timeout is not None and timeout < deadline and not (previous is not None and previous < deadline):
        found.append(
            (
                f"timeout {after.get('timeout')} is shorter than the migration Job's {deadline}s deadline: a slow "
                "migration fails the layer while it still runs",
                f"Keep the timeout above {deadline}s.",
            )
        )
    return found


def _chart_major(version: object) -> tuple[int, ...] | None:
    """The part of a chart version that marks breaking changes: major, or 0.minor before 1.0."""
    numbers = re.match(r"v?(\d+)\.(\d+)", str(version or ""))
    if not numbers:
        return None
    major, minor = int(numbers[1]), int(numbers[2])
    return (major,) if major else (0, minor)


def helm_release_problems(old: dict, new: dict) -> list[tuple[str, str]]:
    before, after = _spec(old), _spec(new)
    chart_before = ((before.get("chart") or {}).get("spec")) or {}
    chart_after = ((after.get("chart") or {}).get("spec")) or {}
    found = []
    majors = _chart_major(chart_before.get("version")), _chart_major(chart_after.get("version"))
    if None not in majors and majors[0] != majors[1]:
        found.append(
            (
                f"chart {chart_after.get('chart')} {chart_before.get('version')} → {chart_after.get('version')} is a "
                "major version change: breaking changes to values and CRDs",
                "Read the chart's upgrade notes; upgrade one major at a time.",
            )
        )
    for phase in ("install", "upgrade"):
        was, now = (before.get(phase) or {}).get("crds"), (after.get(phase) or {}).get("crds")
        if was != now:
            found.append(
                (
                    f"{phase}.crds policy {was or 'default'} → {now or 'default'}: what happens to the chart's CRDs "
                    "(Skip leaves them old, CreateReplace replaces them)",
                    "Keep the CRD policy, or confirm the CRDs' fate.",
                )
            )
    return found


def cluster_issuer_problems(old: dict, new: dict) -> list[tuple[str, str]]:
    before, after = (_spec(old).get("acme") or {}), (_spec(new).get("acme") or {})
    found = []
    if before.get("server") != after.get("server"):
        ca = {s: LETSENCRYPT.get(str(s), "another CA") for s in (before.get("server"), after.get("server"))}
        found.append(
            (
                f"ACME server {ca[before.get('server')]} → {ca[after.get('server')]} ({after.get('server')}): every "
                "certificate from this issuer is re-issued by that CA (staging certificates are untrusted; "
                "production has strict rate limits)",
                "Keep the server that matches the issuer's name.",
            )
        )
    key_before = (before.get("privateKeySecretRef") or {}).get("name")
    key_after = (after.get("privateKeySecretRef") or {}).get("name")
    if key_before != key_after or before.get("email") != after.get("email"):
        found.append(
            (
                "ACME account changed (privateKeySecretRef or email): cert-manager registers a new account",
                "Keep the account unless it is meant to change.",
            )
        )
    return found


def mongodb_tls_problems(kind: str, old: dict, new: dict) -> list[tuple[str, str]]:
    """MongoDB's TLS (docrouter/mongodb_tls.py): the replica set's TLS switched, or the CA it trusts re-made."""
    if kind == "MongoDBCommunity":
        before = (_spec(old).get("security") or {}).get("tls") or {}
        after = (_spec(new).get("security") or {}).get("tls") or {}
        if bool(before.get("enabled")) != bool(after.get("enabled")) or before.get("optional") != after.get("optional"):
            return [
                (
                    "MongoDB TLS requirement changes (spec.security.tls enabled/optional): the members switch "
                    "before the apps layer rolls the pods whose MONGODB_URI matches, so the app loses its database "
                    "for minutes",
                    "Go through `mongodb.tls: preferred` first (docs/platform.md#mongodb-tls).",
                )
            ]
        return []
    fields = ("commonName", "secretName", "issuerRef", "privateKey")
    if _spec(new).get("isCA") and any(_spec(old).get(f) != _spec(new).get(f) for f in fields):
        return [
            (
                "a CA Certificate is re-made (key, name, Secret or issuer): certificates it signed are no longer "
                "trusted by pods holding the new ca.crt until cert-manager re-issues them and the pods restart",
                "Keep the CA; re-key it only with a planned restart of the database and the app.",
            )
        ]
    return []


def platform_risks(changes: list[ObjectChange], old: dict, new: dict) -> list[RiskFlag]:
    flags = []
    for change in changes:
        if change.status != CHANGED:
            continue
        before, after, key = old[change.key].body, new[change.key].body, change.key
        if key.kind == "Kustomization":
            found = kustomization_problems(before, after, new)
            flags += [RiskFlag("flux-kustomization", key, f"{what}.", action) for what, action in found]
        elif key.kind == "HelmRelease":
            found = helm_release_problems(before, after)
            flags += [RiskFlag("helm-release", key, f"{what}.", action) for what, action in found]
        elif key.kind == "ClusterIssuer":
            found = cluster_issuer_problems(before, after)
            flags += [RiskFlag("cluster-issuer", key, f"{what}.", action) for what, action in found]
        elif key.kind in ("MongoDBCommunity", "Certificate"):
            found = mongodb_tls_problems(key.kind, before, after)
            flags += [RiskFlag("mongodb-tls", key, f"{what}.", action) for what, action in found]
    return flags


def environment_removed_risk(old: dict[ObjectKey, Manifest], new: dict[ObjectKey, Manifest]) -> list[RiskFlag]:
    """Every object of the environment gone: dist/<env>/ and clusters/<env>/ deleted."""
    if new or not old:
        return []
    env = next(iter(old)).env
    return [
        RiskFlag(
            "environment-removed",
            ObjectKey(env, "Environment", "", env),
            f"dist/{env}/ and clusters/{env}/ are gone ({len(old)} objects): Flux prunes every layer's "
            "Kustomization and, with prune: true, everything they applied (objects marked prune: disabled stay, "
            f"orphaned). If clusters/{env}/flux-system/ goes too, Flux's own sync fails and the cluster is left "
            "as it is, unmanaged.",
            f"Take the cluster down on purpose first (backups, DNS), or restore environments/{env}.yaml.",
        )
    ]
