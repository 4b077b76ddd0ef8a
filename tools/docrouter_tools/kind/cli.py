"""`python main.py kind <command>`: the local Kind loop behind `make kind-*`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docrouter.paths import REPO_ROOT
from docrouter.preflight import PreflightError
from docrouter.runner import CommandError
from docrouter_tools.kind.cluster import NODE_IMAGE, down, up
from docrouter_tools.kind.deploy import deploy, duration_seconds, status
from docrouter_tools.kind.dev_secrets import apply_dev_secrets
from docrouter_tools.kind.envfile import EnvFileError
from docrouter_tools.kind.workspace import Workspace

COMMANDS = {
    "up": "create the Kind cluster and the local registry (idempotent)",
    "secrets": "age key and development secrets from .env.kind into the cluster",
    "deploy": "install Flux, push dist/kind to the local registry, wait until Ready",
    "status": "Flux Kustomizations, HelmReleases and pods",
    "down": "delete the Kind cluster (and the registry when no other cluster uses it)",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(
        dest="kind_command", required=True, metavar="<kind command>", title="kind commands"
    )
    for name, help_text in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--cluster", default="doc-router", help="Kind cluster name (default: doc-router)")
        sub.add_argument(
            "--root",
            type=Path,
            default=REPO_ROOT,
            help="checkout holding dist/, clusters/, .env.kind (default: this one)",
        )
        if name == "up":
            sub.add_argument("--node-image", default=NODE_IMAGE, help=f"Kind node image (default: {NODE_IMAGE})")
        if name == "deploy":
            sub.add_argument(
                "--timeout",
                default="15m",
                type=_duration,
                help="one overall deadline for Flux to apply and be Ready, e.g. 20m (default: 15m)",
            )


def _duration(text: str) -> str:
    try:
        duration_seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def run(args: argparse.Namespace) -> int:
    ws = Workspace(root=args.root.resolve(), cluster=args.cluster)
    try:
        if args.kind_command == "up":
            up(ws, args.node_image)
        elif args.kind_command == "secrets":
            apply_dev_secrets(ws)
        elif args.kind_command == "deploy":
            deploy(ws, args.timeout)
        elif args.kind_command == "status":
            status(ws)
        else:
            down(ws)
    except (PreflightError, CommandError, EnvFileError) as exc:
        print(f"kind {args.kind_command}: {exc}", file=sys.stderr)
        return 1
    return 0
