"""`python main.py validate` (make validate): check dist/ and clusters/ of every environment offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import ConfigError, environment_file, environment_names, load_environment
from ..paths import REPO_ROOT
from .engine import validate_environment
from .model import ERROR, Finding, file_finding
from .report import as_json, as_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", action="append", help="one environment (repeatable; default: all of them)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    parser.add_argument("--no-drift", action="store_true", help="skip comparing dist/ with a fresh synth")
    parser.add_argument("--root", default=str(REPO_ROOT), help="repository to check (default: this one)")


def config_finding(name: str, message: str) -> Finding:
    """A ConfigError as one finding: the message already names the file, the field and the fix."""
    first = message.splitlines()[0]
    what, _, fix = first.partition(". Fix: ")
    more = len(message.splitlines()) - 1
    what += f" (and {more} more: run `make synth ENV={name}`)" if more else ""
    fix = fix.rstrip(".") or "correct the environment file"
    return file_finding("config/invalid", environment_file(name), what, fix)


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    try:
        names = args.env or environment_names()
    except ConfigError as exc:
        print(f"validate: {exc}", file=sys.stderr)
        return 1
    results = {}
    for name in names:
        try:
            env = load_environment(name)
        except ConfigError as exc:  # one broken environment file is a finding; the others are still checked
            results[name] = [config_finding(name, str(exc))]
            continue
        results[name] = validate_environment(root, env, with_drift=not args.no_drift)
    print(as_json(results) if args.format == "json" else as_text(results))
    return 1 if any(f.severity == ERROR for findings in results.values() for f in findings) else 0
