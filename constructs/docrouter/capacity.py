"""What an environment's platform requests from its nodes, read from dist/<env>/ (docs/bootstrap.md).

Counted: every pod dist/ defines (app Deployments at their replicas, MongoDB members with
their agent, mongot) and the pods of the Helm charts dist/ installs, with the requests those
charts set by default (the values we pass change only replica counts), plus Flux's own
controllers. Not counted: what the provider runs on every node (CNI, kube-proxy, CoreDNS)
and short-lived Jobs' init containers. Peak adds one surge pod per Deployment (maxSurge 1, as
Flux applies a release to all three at once), the migration Job and the autoscaler's maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from docrouter.quantities import format_cpu, format_memory, parse
from docrouter.safe_yaml import safe_load

# Default requests of each chart's long-running pods (per replica), read from the chart at our pin:
# ingress-nginx 4.13.7 values.yaml controller.resources.requests; cert-manager v1.19.1 values.yaml
# sets `resources: {}` for controller, webhook and cainjector (no requests); mongodb-kubernetes
# 1.10.0 helm_chart/values.yaml operator.resources.requests; metrics-server 3.13.0 values.yaml
# resources.requests.
CHART_POD_REQUESTS: dict[str, tuple[str, str, int]] = {
    # chart: (cpu, memory, pods per replica)
    "ingress-nginx": ("100m", "90Mi", 1),
    "cert-manager": ("0", "0", 3),
    "mongodb-kubernetes": ("500m", "200Mi", 1),
    "metrics-server": ("100m", "200Mi", 1),
}
# Flux 2.8.8's controllers as `flux bootstrap` installs them (each one's config/manager/deployment.yaml):
# source, kustomize, helm and notification controller.
FLUX_REQUESTS = (("50m", "64Mi"), ("100m", "64Mi"), ("100m", "64Mi"), ("100m", "64Mi"))


@dataclass(frozen=True)
class Capacity:
    cpu: float  # cores requested at steady state
    memory: float  # bytes
    peak_cpu: float  # during a release, with the autoscaler at its maximum
    peak_memory: float

    def row(self, env: str) -> str:
        return (
            f"| {env} | {format_cpu(self.cpu)} | {format_memory(round(self.memory))} | "
            f"{format_cpu(self.peak_cpu)} | {format_memory(round(self.peak_memory))} |"
        )


def _requests(resources: dict | None) -> tuple[float, float]:
    requests = (resources or {}).get("requests") or {}
    return parse(requests.get("cpu", 0)) or 0.0, parse(requests.get("memory", 0)) or 0.0


def _pod(spec: dict) -> tuple[float, float]:
    totals = [_requests(container.get("resources")) for container in spec.get("containers") or []]
    return sum(cpu for cpu, _ in totals), sum(memory for _, memory in totals)


def _objects(folder: Path) -> list[dict]:
    found = []
    for path in sorted(folder.rglob("*.yaml")):
        if path.name == "kustomization.yaml" or path.name.endswith(".sops.yaml"):
            continue
        body = safe_load(path.read_bytes())
        if isinstance(body, dict):
            found.append(body)
    return found


def environment_capacity(folder: Path) -> Capacity:
    """Requests of one dist/<env>/ folder."""
    objects = _objects(folder)
    hpas = {o["spec"]["scaleTargetRef"]["name"]: o["spec"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"}
    cpu = memory = peak_cpu = peak_memory = 0.0

    def add(pod: tuple[float, float], steady: int, peak: int) -> None:
        nonlocal cpu, memory, peak_cpu, peak_memory
        cpu, memory = cpu + pod[0] * steady, memory + pod[1] * steady
        peak_cpu, peak_memory = peak_cpu + pod[0] * peak, peak_memory + pod[1] * peak

    for obj in objects:
        kind, spec = obj["kind"], obj.get("spec") or {}
        if kind == "Deployment":
            hpa = hpas.get(obj["metadata"]["name"])
            replicas = hpa["minReplicas"] if hpa else spec.get("replicas", 1)
            add(_pod(spec["template"]["spec"]), replicas, (hpa["maxReplicas"] if hpa else replicas) + 1)
        elif kind == "Job":
            add(_pod(spec["template"]["spec"]), 0, 1)
        elif kind == "MongoDBCommunity":
            add(_pod(spec["statefulSet"]["spec"]["template"]["spec"]), spec["members"], spec["members"])
        elif kind == "MongoDBSearch":
            for cluster in spec.get("clusters") or []:
                add(_requests(cluster.get("resourceRequirements")), cluster["replicas"], cluster["replicas"])
        elif kind == "HelmRelease":
            chart = spec["chart"]["spec"]["chart"]
            pod_cpu, pod_memory, pods = CHART_POD_REQUESTS[chart]
            values = spec.get("values") or {}
            replicas = (values.get("controller") or {}).get("replicaCount") or values.get("replicaCount") or 1
            add((parse(pod_cpu) or 0.0, parse(pod_memory) or 0.0), replicas * pods, replicas * pods)
    for flux_cpu, flux_memory in FLUX_REQUESTS:
        add((parse(flux_cpu) or 0.0, parse(flux_memory) or 0.0), 1, 1)
    return Capacity(cpu, memory, peak_cpu, peak_memory)


def capacity_table(dist: Path, environments: list[str]) -> str:
    """The docs/bootstrap.md table: one row per environment."""
    lines = [
        "| environment | CPU requested | memory requested | CPU at peak | memory at peak |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [environment_capacity(dist / env).row(env) for env in environments]
    return "\n".join(lines)
