"""`python main.py secrets edit --env <env> [--secret <name>]` (make secrets-edit ENV=<env>)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import constants as c
from ..preflight import PreflightError
from ..runner import CommandError
from .catalog import SECRETS
from .edit import SecretsError, edit

REPO_ROOT = Path(__file__).resolve().parents[3]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="secrets_command", required=True)
    sub = commands.add_parser("edit", help="open (or create) an environment's SOPS-encrypted Secret in sops")
    sub.add_argument("--env", required=True, help="environment, e.g. staging")
    sub.add_argument("--secret", default=c.APP_SECRET_NAME, choices=sorted(SECRETS), help=f"default: {c.APP_SECRET_NAME}")
    sub.add_argument("--root", type=Path, default=REPO_ROOT, help="checkout holding .sops.yaml and secrets/ (default: this one)")


def run(args: argparse.Namespace) -> int:
    try:
        edit(args.root.resolve(), args.env, args.secret)
    except (SecretsError, PreflightError, CommandError) as exc:
        print(f"secrets edit: {exc}", file=sys.stderr)
        return 1
    return 0
