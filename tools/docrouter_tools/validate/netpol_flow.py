"""netpol/flow: at every Flux stage, each required network flow is allowed and each forbidden one denied.

The proof itself lives in docrouter_tools.netflow (network-config-analyzer, the flows, the stage replay);
this module turns its outcomes into findings.
"""

from __future__ import annotations

from docrouter_tools.netflow.engine import EngineError
from docrouter_tools.netflow.proof import prove_working_copy
from docrouter_tools.netflow.runtime import RuntimeFixtureError
from docrouter_tools.netflow.stages import StageError
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.model import Finding, file_finding

RULE = "netpol/flow"


def check_netpol_flow(inventory: Inventory) -> list[Finding]:
    env = inventory.env
    try:
        outcomes = prove_working_copy(inventory.root, env.name, env.provider, env.api_server)
    except StageError:
        return []  # no replayable Flux order (unreadable YAML, missing or cyclic dependsOn): parse/* and ref/flux-*
    except RuntimeFixtureError as exc:
        return [
            file_finding(
                RULE, f"clusters/{env.name}", f"flows could not be proven: {exc}", "follow the fix in the message"
            )
        ]
    except EngineError as exc:
        return [
            file_finding(
                RULE,
                f"dist/{env.name}",
                f"network-config-analyzer rejected the manifests: {exc}",
                "fix the NetworkPolicy it names (schema errors reported here usually point at it)",
            )
        ]
    return [file_finding(RULE, o.file, o.message(), o.fix()) for o in outcomes if not o.holds]
