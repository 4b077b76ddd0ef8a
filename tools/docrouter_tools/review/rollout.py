"""The rollout a Deployment goes through under its strategy, told like a person would."""

from __future__ import annotations

import math

from docrouter.kinds import DEFAULT_SURGE, DEFAULT_UNAVAILABLE
from docrouter.quantities import format_cpu, format_memory
from docrouter_tools.review.model import Manifest, counted
from docrouter_tools.review.podspec import pod_requests, replica_count

MAX_ROUNDS_SHOWN = 3


def _resolve(value: object, replicas: int, round_up: bool) -> int:
    text = str(value)
    number = text[:-1] if text.endswith("%") else text
    if not number.isdigit() or len(number) > 6:  # damaged input: the smallest step that can progress
        return 1
    if text.endswith("%"):
        share = replicas * int(number) / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(number)


def _pods(count: int, age: str = "") -> str:
    age = f"{age} " if age else ""
    return counted(count, f"{age}pod")


def rolling_rounds(replicas: int, surge: int, unavailable: int) -> tuple[list[str], int]:
    """The steps of a rolling update and the peak number of pods."""
    if surge == 0 and unavailable == 0:
        unavailable = 1  # Kubernetes rejects 0/0; treat as the smallest step that can progress
    old, new, peak = replicas, 0, replicas
    rounds: list[str] = []
    while (old > 0 or new < replicas) and len(rounds) < 100:
        start = max(0, min(replicas + surge - (old + new), replicas - new))
        stop = max(0, min(old, old + new - (replicas - unavailable)))
        new += start
        peak = max(peak, old + new)
        old -= stop
        steps = []
        if stop and not start:
            steps.append(f"stop {_pods(stop, 'old')}")
        if start:
            steps.append(f"start {_pods(start, 'new')}" + (f" and stop {_pods(stop, 'old')}" if stop else ""))
            steps.append("wait ready")
        if not steps:
            break
        rounds.append(" → ".join(steps))
    return rounds, peak


def _steps_text(rounds: list[str]) -> str:
    if len(rounds) <= MAX_ROUNDS_SHOWN:
        return " → ".join(rounds)
    return " → ".join(rounds[:MAX_ROUNDS_SHOWN]) + f" → … ({len(rounds)} rounds in all)"


def explain_rollout(deployment: Manifest, objects: dict) -> str:
    replicas, managed = replica_count(deployment, objects)
    count = counted(replicas, "replica")
    if managed:
        count += " (HPA-managed, minReplicas)"
    strategy = (deployment.body.get("spec") or {}).get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return (
            f"{count}, Recreate: stop all {_pods(replicas)} → start {_pods(replicas, 'new')} → wait ready; "
            "no pod serves in between (downtime)"
        )
    rolling = strategy.get("rollingUpdate") or {}
    surge_value = rolling.get("maxSurge", DEFAULT_SURGE)
    unavailable_value = rolling.get("maxUnavailable", DEFAULT_UNAVAILABLE)
    surge = _resolve(surge_value, replicas, round_up=True)
    unavailable = _resolve(unavailable_value, replicas, round_up=False)
    rounds, peak = rolling_rounds(replicas, surge, unavailable)
    text = f"{count}, maxSurge {surge_value}, maxUnavailable {unavailable_value}: {_steps_text(rounds)}; "
    text += f"peak {counted(peak, 'pod')}"
    extra = peak - replicas
    if extra > 0:
        cpu, memory = pod_requests(deployment.body)
        text += f", extra capacity needed: {format_cpu(cpu * extra)} CPU, {format_memory(memory * extra)} memory"
    else:
        text += ", no extra capacity needed"
    if unavailable > 0:
        text += f"; as few as {max(replicas - unavailable, 0)} ready during the rollout"
    return text
