"""Command line: `python main.py [synth] [--env ENV] [--out DIR]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .checks import SynthError
from .config import ConfigError, environment_names, load_environment
from .synth import synthesize

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_dist() -> Path:
    # The cdk8s CLI (`cdk8s synth`) passes its output folder in CDK8S_OUTDIR.
    return Path(os.environ.get("CDK8S_OUTDIR") or REPO_ROOT / "dist")


def cmd_synth(args: argparse.Namespace) -> int:
    names = [args.env] if args.env else environment_names()
    envs = [load_environment(name) for name in names]  # all valid before anything is written
    allow_shrink = os.environ.get("ALLOW_SHRINK", "") not in ("", "0")
    for path in synthesize(envs, Path(args.out) if args.out else default_dist(), allow_shrink=allow_shrink):
        print(f"synthesized {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    synth = commands.add_parser("synth", help="write dist/<env>/ (the default command)")
    for p in (parser, synth):
        p.add_argument("--env", help="one environment (default: all of them)")
        p.add_argument("--out", help="folder to write environments into (default: dist/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return cmd_synth(args)
    except (ConfigError, SynthError) as exc:
        print(f"synth failed: {exc}", file=sys.stderr)
        print("dist/ was left unchanged.", file=sys.stderr)
        return 1
