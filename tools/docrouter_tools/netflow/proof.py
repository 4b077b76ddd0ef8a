"""Every flow at every stage of an environment, through the engine: one outcome per applicable flow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from docrouter.providers import PROVIDERS, ApiServer
from docrouter_tools.netflow.engine import Connection, Query, check_flows
from docrouter_tools.netflow.flows import (
    FLOWS,
    KUBE_API,
    REQUIRED,
    End,
    Flow,
    api_server_address,
    api_server_open,
)
from docrouter_tools.netflow.runtime import RuntimePod
from docrouter_tools.netflow.stages import Stage, load_stages, pods_of, read_tree


@dataclass(frozen=True)
class Outcome:
    env: str
    stage: str  # e.g. "4-pre-deploy", or "final"
    flow: Flow
    holds: bool
    breaches: tuple[str, ...]
    file: str = ""  # the stage's Flux Kustomization, or dist/<env> for the final state

    def message(self) -> str:
        wrong = "is denied" if self.flow.kind == REQUIRED else "is allowed"
        return (
            f"{self.env}, stage {self.stage}: {self.flow.kind} flow `{self.flow.id}` ({self.flow.describe()}) "
            f"{wrong}: {' | '.join(self.breaches)}. It matters because {self.flow.why}"
        )

    def fix(self) -> str:
        if self.flow.kind == REQUIRED:
            return (
                "allow it in the NetworkPolicies named (constructs/docrouter/platform/network.py, mongodb.py), "
                "in a layer no later than the pods it serves, then `make synth`"
            )
        return "narrow the NetworkPolicy that admits it (named above), then `make synth`"


def _names(end: End, pods: tuple[RuntimePod, ...], kube_api: str = KUBE_API) -> tuple[str, ...]:
    if end.address:
        return (kube_api if end.address == KUBE_API else end.address,)
    return tuple(f"{p.namespace}/{p.name}" for p in end.pods(pods))


def connection(flow: Flow, pods: tuple[RuntimePod, ...], kube_api: str = KUBE_API) -> Connection | None:
    """The flow's concrete pods at this stage, or None when an end has none (not applicable yet); the API
    server stands at kube_api (the environment's, flows.api_server_address)."""
    src, dst = _names(flow.src, pods, kube_api), _names(flow.dst, pods, kube_api)
    if not any(s != d for s in src for d in dst):
        return None
    return Connection(src, dst, flow.ports)


def applicable_flows(pods: tuple[RuntimePod, ...], flows: Iterable[Flow] = FLOWS) -> list[Flow]:
    return [f for f in flows if connection(f, pods) is not None]


def prove(
    env: str,
    stage: str,
    objects: Iterable[dict],
    pods: tuple[RuntimePod, ...],
    flows: Iterable[Flow] = FLOWS,
    file: str = "",
    kube_api: str = KUBE_API,
) -> list[Outcome]:
    objects = list(objects)
    live = [(f, conn) for f in flows if (conn := connection(f, pods, kube_api)) is not None]
    required = tuple(conn for f, conn in live if f.kind == REQUIRED)
    queries = [Query(conn, f.kind == REQUIRED, () if f.kind == REQUIRED else required) for f, conn in live]
    manifests = [o for o in objects if o.get("kind") in ("Namespace", "NetworkPolicy")]
    manifests += [p.manifest() for p in pods]
    verdicts = check_flows(manifests, queries)
    return [Outcome(env, stage, f, v.holds, v.breaches, file) for (f, _), v in zip(live, verdicts, strict=True)]


def _api(provider: str, api: ApiServer | None) -> ApiServer:
    """The environment's API server (Environment.api_server), by default the provider's (providers.py)."""
    return api if api is not None else PROVIDERS[provider].api_server


def flows_for(provider: str, api: ApiServer | None = None) -> list[Flow]:
    api_open = api_server_open(_api(provider, api))
    return [f for f in FLOWS if f.applies_to(provider, api_open)]


def prove_stage(stage: Stage, api: ApiServer | None = None) -> list[Outcome]:
    address = api_server_address(_api(stage.provider, api))
    flows = flows_for(stage.provider, api)
    return prove(stage.env, stage.label, stage.objects, stage.pods, flows, file=stage.file, kube_api=address)


def prove_final(env: str, provider: str, objects: list[dict], api: ApiServer | None = None) -> list[Outcome]:
    """The cluster once every layer is applied (what `make diff` compares between revisions)."""
    pods, address = pods_of(provider, objects), api_server_address(_api(provider, api))
    return prove(env, "final", objects, pods, flows_for(provider, api), file=f"dist/{env}", kube_api=address)


def prove_environment(env: str, provider: str, tree: Mapping[str, str], api: ApiServer | None = None) -> list[Outcome]:
    return [o for stage in load_stages(env, provider, tree) for o in prove_stage(stage, api)]


def prove_working_copy(root: Path, env: str, provider: str, api: ApiServer | None = None) -> list[Outcome]:
    return prove_environment(env, provider, read_tree(root, env), api)
