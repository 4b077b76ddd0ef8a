"""Which environments exist: one file each in environments/. Importable without pydantic or cdk8s,
so every command can refuse an unknown --env / ENV= as a usage error before doing any work."""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Sequence
from typing import Any

from docrouter.paths import ENVIRONMENTS_DIR, REPO_ROOT

ENV_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")  # a DNS-1123 label: it names dist/<env>/ and objects


def known_environment(name: str) -> str:
    """argparse type for --env: an unknown name is a usage error (exit 2) that lists the known ones."""
    if not name:
        raise argparse.ArgumentTypeError("no environment given. Fix: name one, e.g. --env staging (make: ENV=staging)")
    if ENV_NAME.fullmatch(name) and (ENVIRONMENTS_DIR / f"{name}.yaml").is_file():
        return name
    names = sorted(p.stem for p in ENVIRONMENTS_DIR.glob("*.yaml"))
    folder = ENVIRONMENTS_DIR.relative_to(REPO_ROOT).as_posix()
    guess = did_you_mean(name, names)
    raise argparse.ArgumentTypeError(
        f"unknown environment '{name[:63]}'{guess} (known: {', '.join(names) or 'none'}). "
        f"Fix: use one of them, or add {folder}/{name[:63]}.yaml"
    )


def did_you_mean(name: str, choices: Sequence[str]) -> str:
    """' (did you mean 'production'?)' for a typo or an abbreviation (`prod`), else ''."""
    prefixed = [choice for choice in choices if choice.startswith(name)] if len(name) >= 3 else []
    close = prefixed or difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Environments(argparse.Action):
    """--env given again adds one (in order, each once)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any, option=None):  # noqa: ANN001
        chosen = list(getattr(namespace, self.dest) or [])
        setattr(namespace, self.dest, chosen + [value] if value not in chosen else chosen)


class _OneEnvironment(argparse.Action):
    """--env given twice is a usage error: never silently the last one."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any, option=None):  # noqa: ANN001
        before = getattr(namespace, self.dest)
        if before is not None and before != value:
            parser.error(f"--env given twice ('{before}', '{value}'): this command works on one environment")
        setattr(namespace, self.dest, value)


def add_env_argument(parser: argparse.ArgumentParser, *, repeatable: bool, required: bool = False) -> None:
    """The same --env everywhere: repeatable where a command can work on several environments
    (synth, validate, diff: a list, None for all), refused twice where it works on one."""
    if repeatable:
        parser.add_argument(
            "--env",
            action=_Environments,
            type=known_environment,
            metavar="ENV",
            help="an environment; repeat for several (default: all of them)",
        )
    else:
        parser.add_argument(
            "--env",
            action=_OneEnvironment,
            type=known_environment,
            required=required,
            metavar="ENV",
            help="the environment, e.g. staging",
        )
