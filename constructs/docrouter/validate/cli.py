"""`python main.py validate` (make validate): check dist/ and clusters/ of every environment offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import ConfigError, environment_names, load_environment
from .engine import validate_environment
from .model import ERROR
from .report import as_json, as_text

REPO_ROOT = Path(__file__).resolve().parents[3]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", action="append", help="one environment (repeatable; default: all of them)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    parser.add_argument("--no-drift", action="store_true", help="skip comparing dist/ with a fresh synth")
    parser.add_argument("--root", default=str(REPO_ROOT), help="repository to check (default: this one)")


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    try:
        envs = [load_environment(name) for name in (args.env or environment_names())]
    except ConfigError as exc:
        print(f"validate: {exc}", file=sys.stderr)
        return 2
    results = {env.name: validate_environment(root, env, with_drift=not args.no_drift) for env in envs}
    print(as_json(results) if args.format == "json" else as_text(results))
    return 1 if any(f.severity == ERROR for findings in results.values() for f in findings) else 0
