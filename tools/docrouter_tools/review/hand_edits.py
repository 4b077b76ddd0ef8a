"""hand-edit: a revision whose committed dist/ or clusters/ is not what its own sources synthesize.

Flux applies the committed files, so `make diff BASE=… HEAD=…` compares those; this flag says when a
revision's committed tree was edited by hand (or left stale), which the CI drift check would refuse.
"""

from __future__ import annotations

from docrouter_tools.review.manifests import env_of
from docrouter_tools.review.model import EnvReport, ObjectKey, Report, RiskFlag

MAX_FILES_SHOWN = 5


def _synth_owned(path: str) -> bool:
    """clusters/<env>/flux-system/ is written by `flux bootstrap`, not by synth."""
    parts = path.split("/")
    return env_of(path) is not None and not (parts[0] == "clusters" and len(parts) > 3 and parts[2] == "flux-system")


def differing_files(committed: dict[str, bytes], synthesized: dict[str, bytes]) -> list[str]:
    """Files (dist/... and clusters/...) where the committed tree and a synth of its sources differ."""
    paths = {p for p in committed.keys() | synthesized.keys() if _synth_owned(p)}
    return sorted(p for p in paths if committed.get(p) != synthesized.get(p))


def hand_edit_flags(revision: str, committed: dict[str, bytes], synthesized: dict[str, bytes]) -> list[RiskFlag]:
    by_env: dict[str, list[str]] = {}
    for path in differing_files(committed, synthesized):
        by_env.setdefault(str(env_of(path)), []).append(path)
    flags = []
    for env, paths in sorted(by_env.items()):
        shown = ", ".join(paths[:MAX_FILES_SHOWN]) + (
            f" and {len(paths) - MAX_FILES_SHOWN} more" if len(paths) > MAX_FILES_SHOWN else ""
        )
        flags.append(
            RiskFlag(
                "hand-edit",
                ObjectKey(env, "Revision", "", revision),
                f"the committed tree at {revision} differs from a synth of its own sources ({shown}): Flux applies "
                "the committed files, and CI's drift check refuses them.",
                "Make the change in the constructs or the environment file, run `make synth` and commit dist/ and "
                "clusters/; or restore the files with `make synth`.",
            )
        )
    return flags


def add_flags(report: Report, flags: list[RiskFlag]) -> None:
    """Put each flag in its environment's report (creating an empty one when the diff had none)."""
    envs = {e.env: e for e in report.envs}
    for flag in flags:
        if flag.object.env not in envs:
            envs[flag.object.env] = EnvReport(env=flag.object.env)
            report.envs.append(envs[flag.object.env])
        envs[flag.object.env].risks.insert(0, flag)
    report.envs.sort(key=lambda e: e.env)
