"""The README's environment table, generated from the environment files at `make synth`.

One source per fact: the table between `<!-- environments:begin -->` and `<!-- environments:end -->`
is written by synth (like dist/), so changing an environment file never needs a second, hand edit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from docrouter.config import Environment
from docrouter.paths import REPO_ROOT

README = REPO_ROOT / "README.md"
BLOCK = re.compile(r"(<!-- environments:begin -->\n)(.*?)(\n<!-- environments:end -->)", re.S)


def _replicas(e: Environment) -> str:
    backend = (
        f"{e.backend.replicas}–{e.backend.autoscaling.max_replicas} (autoscaled)"
        if e.backend.autoscaling
        else str(e.backend.replicas)
    )
    worker = str(e.worker.replicas) if e.worker else "none (in the backend)"
    return f"{e.frontend.replicas} / {backend} / {worker}"


def _mongodb(e: Environment) -> str:
    if e.mongodb.mode == "external":
        return "external"
    return f"{e.mongodb.replicas} member{'s' * (e.mongodb.replicas > 1)}, {e.mongodb.storage_size}"


ROWS: dict[str, Callable[[Environment], str]] = {
    "provider": lambda e: f"`{e.provider}`",
    "Kubernetes": lambda e: e.kubernetes_version,
    "URL": lambda e: f"`{e.public_url}`",
    "TLS issuer": lambda e: f"`{e.ingress.tls_issuer}`" if e.tls else "none",
    "replicas frontend / backend / worker": _replicas,
    "MongoDB": _mongodb,
    "alerts": lambda e: f"Slack `{e.notifications.slack_channel}`" if e.notifications else "off",
    "auto-rollback": lambda e: "on" if e.auto_rollback_on else "off",
}


def environment_table(envs: Sequence[Environment]) -> str:
    """The markdown table, one column per environment in the given order."""
    lines = [
        "| | " + " | ".join(f"`{e.name}`" for e in envs) + " |",
        "| --- |" + " --- |" * len(envs),
        *(f"| {label} | " + " | ".join(cell(e) for e in envs) + " |" for label, cell in ROWS.items()),
    ]
    return "\n".join(lines)


def with_table(text: str, envs: Sequence[Environment]) -> str:
    """text with its environment block replaced (unchanged when it has none). Columns keep the order the
    README shows (local first, then the clouds); a new environment is added on the right."""
    found = BLOCK.search(text)
    if not found:
        return text
    shown = re.findall(r"`([a-z0-9-]+)`", found.group(2).splitlines()[0]) if found.group(2) else []
    order = {name: index for index, name in enumerate(shown)}
    ordered = sorted(envs, key=lambda e: (order.get(e.name, len(order)), e.name))
    return text[: found.start(2)] + environment_table(ordered) + text[found.end(2) :]


def update_readme(envs: Sequence[Environment], readme: Path = README) -> bool:
    """Rewrite the README's table when it differs; True when the file changed (written atomically)."""
    if not readme.is_file():
        return False
    text = readme.read_text(encoding="utf-8")
    updated = with_table(text, envs)
    if updated == text:
        return False
    temporary = readme.with_name(f".{readme.name}.synth-{os.getpid()}")
    temporary.write_text(updated, encoding="utf-8")
    os.replace(temporary, readme)
    return True
