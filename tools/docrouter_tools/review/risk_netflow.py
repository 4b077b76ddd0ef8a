"""network-flow: a change that turns a required network flow off, or a forbidden one on.

Both revisions' final state (every layer of dist/<env>/ applied) go through docrouter_tools.netflow's
engine (network-config-analyzer); a flow already broken before the change is not flagged again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docrouter.config import ConfigError, load_environment
from docrouter_tools.netflow.flows import REQUIRED
from docrouter_tools.review.model import Manifest, ObjectKey, RiskFlag

if TYPE_CHECKING:
    from docrouter_tools.netflow.proof import Outcome

RISK = "network-flow"


def _final_objects(objects: dict[ObjectKey, Manifest]) -> list[dict]:
    return [m.body for m in objects.values() if m.path.startswith("dist/") and not m.is_sops]


def _flag(env: str, outcome: Outcome) -> RiskFlag:
    verb = "turns off the required" if outcome.flow.kind == REQUIRED else "turns on the forbidden"
    return RiskFlag(
        RISK,
        ObjectKey(env, "NetworkFlow", "", outcome.flow.id),
        f"this change {verb} flow {outcome.flow.describe()}: {outcome.breaches[0]}. "
        f"It matters because {outcome.flow.why}.",
        outcome.fix(),
    )


def network_flow_risks(old: dict[ObjectKey, Manifest], new: dict[ObjectKey, Manifest]) -> list[RiskFlag]:
    if not new:
        return []  # the environment is gone: prune-data flags say what that deletes
    if _final_objects(old) == _final_objects(new):
        return []  # the same objects allow the same flows: nothing for the analyzer to compare
    from docrouter_tools.netflow.engine import EngineError  # the analyzer loads only when it has work
    from docrouter_tools.netflow.proof import prove_final
    from docrouter_tools.netflow.runtime import RuntimeFixtureError

    env = next(iter(new)).env
    try:
        environment = load_environment(env)
    except ConfigError:
        return []  # no config for it in this checkout: nothing to know its CoreDNS labels from
    try:
        provider, api = environment.provider, environment.api_server
        before = {o.flow.id: o for o in prove_final(env, provider, _final_objects(old), api)}
        after = prove_final(env, provider, _final_objects(new), api)
    except (EngineError, RuntimeFixtureError) as exc:
        return [
            RiskFlag(
                RISK,
                ObjectKey(env, "NetworkFlow", "", "*"),
                f"network flows could not be proven: {exc}",
                "run `make validate` (rule netpol/flow) and fix what it names",
            )
        ]
    return [_flag(env, o) for o in after if not o.holds and (o.flow.id not in before or before[o.flow.id].holds)]
