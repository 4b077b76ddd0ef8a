"""Traffic and rollouts: Ingress paths that now route elsewhere, probes removed or weakened.

Ingress routing follows networking.k8s.io/v1 (k8s.io/api v0.37 networking/v1 types.go, HTTPIngressPath):
the longest matching path wins, Exact before Prefix at the same length, Prefix matches whole path elements;
ImplementationSpecific is taken as Prefix (ingress-nginx does so).
"""

from __future__ import annotations

from docrouter.kinds import template_containers, templates
from docrouter_tools.review.model import CHANGED, Manifest, ObjectChange, RiskFlag

NOWHERE = "404"
PROBES = ("readinessProbe", "livenessProbe", "startupProbe")
PROBE_LOSS = {
    "readinessProbe": "pods get traffic before they can serve and a rollout no longer waits for them, so "
    "zero-downtime rollouts are gone",
    "livenessProbe": "a hung container is no longer restarted",
    "startupProbe": "a slow start is no longer protected from the liveness probe",
}


def _routes(body: dict) -> list[tuple[str, str, str, str]]:
    """(host, path, pathType, backend) of every path of an Ingress."""
    routes = []
    for rule in (body.get("spec") or {}).get("rules") or []:
        host = str((rule or {}).get("host") or "*")
        for path in ((rule or {}).get("http") or {}).get("paths") or []:
            service = ((path or {}).get("backend") or {}).get("service") or {}
            port = (service.get("port") or {}).get("number") or (service.get("port") or {}).get("name")
            kind = str(path.get("pathType") or "ImplementationSpecific")
            routes.append((host, str(path.get("path") or "/"), kind, f"{service.get('name')}:{port}"))
    return routes


def _matches(path_type: str, path: str, request: str) -> bool:
    if path_type == "Exact":
        return request == path
    prefix = path.rstrip("/")
    return prefix == "" or request == prefix or request.startswith(prefix + "/")


def route(routes: list[tuple[str, str, str, str]], host: str, request: str) -> str:
    candidates = [r for r in routes if r[0] == host and _matches(r[2], r[1], request)]
    if not candidates:
        return NOWHERE
    best = max(candidates, key=lambda r: (len(r[1].rstrip("/")), r[2] == "Exact"))
    return best[3]


def _probe_requests(routes: list[tuple[str, str, str, str]]) -> list[tuple[str, str]]:
    """Requests that tell every path apart: each path itself and a request below it."""
    probes = set()
    for host, path, _, _ in routes:
        probes |= {(host, path), (host, path.rstrip("/") + "/x")}
    return sorted(probes)


def ingress_path_risks(change: ObjectChange, old: dict, new: dict) -> list[RiskFlag]:
    if change.status != CHANGED:
        return []
    before, after = _routes(old[change.key].body), _routes(new[change.key].body)
    kept_hosts = {r[0] for r in before} & {r[0] for r in after}  # a host removed is the `ingress` flag's
    moved = []
    for host, request in _probe_requests([r for r in before + after if r[0] in kept_hosts]):
        was, now = route(before, host, request), route(after, host, request)
        if was != now:
            moved.append(f"{host}{request}: {was} → {now}")
    if not moved:
        return []
    shown = "; ".join(moved[:4]) + ("; …" if len(moved) > 4 else "")
    return [
        RiskFlag(
            "ingress-path",
            change.key,
            f"requests now reach another backend (or none): {shown}. A path added, removed, renamed or its "
            "pathType changed moves traffic the moment the Ingress applies.",
            "Keep the old path beside the new one until clients moved, or confirm the new routing.",
        )
    ]


def _containers(body: dict) -> dict[str, dict]:
    return {
        str(c.get("name")): c
        for t in templates(body)
        if not t.override
        for field, c in template_containers(t)
        if field == "containers"
    }


def _detection_seconds(probe: dict) -> int:
    """How long a failing container takes to be noticed: period × failureThreshold + timeout (API defaults)."""
    number = {k: probe.get(k, d) for k, d in (("periodSeconds", 10), ("failureThreshold", 3), ("timeoutSeconds", 1))}
    if not all(isinstance(v, int) for v in number.values()):
        return 0
    return number["periodSeconds"] * number["failureThreshold"] + number["timeoutSeconds"]


def _handler(probe: dict) -> str:
    return next((h for h in ("httpGet", "grpc", "exec", "tcpSocket") if h in probe), "")


def probe_risks(change: ObjectChange, old: dict, new: dict) -> list[RiskFlag]:
    if change.status != CHANGED:
        return []
    before, after = _containers(old[change.key].body), _containers(new[change.key].body)
    flags = []
    for name in sorted(before.keys() & after.keys()):
        for probe in PROBES:
            was, now = before[name].get(probe), after[name].get(probe)
            if not isinstance(was, dict):
                continue
            if not isinstance(now, dict):
                reason = f"container {name}: {probe} removed: {PROBE_LOSS[probe]}."
            elif _handler(was) != "tcpSocket" and _handler(now) == "tcpSocket":
                reason = (
                    f"container {name}: {probe} weakened from {_handler(was)} to tcpSocket "
                    "(an open port, not a working app)."
                )
            elif _detection_seconds(now) > _detection_seconds(was) > 0:
                reason = (
                    f"container {name}: {probe} weakened: a failure takes {_detection_seconds(now)}s to notice, "
                    f"was {_detection_seconds(was)}s."
                )
            else:
                continue
            flags.append(RiskFlag("probe", change.key, reason, f"Keep the {probe} as it was, or justify it in the PR."))
    return flags


def traffic_risks(changes: list[ObjectChange], old: dict, new: dict[object, Manifest]) -> list[RiskFlag]:
    flags = []
    for change in changes:
        if change.key.kind == "Ingress":
            flags += ingress_path_risks(change, old, new)
        flags += probe_risks(change, old, new)
    return flags
