"""`python main.py secrets edit|init --env <env>` (make secrets-edit / make secrets-init)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docrouter import constants as c
from docrouter.environment_files import add_env_argument
from docrouter.paths import REPO_ROOT
from docrouter.preflight import PreflightError
from docrouter_tools.secrets.catalog import SECRETS
from docrouter_tools.secrets.edit import edit
from docrouter_tools.secrets.init import SecretsError, init
from docrouter_tools.secrets.sops import SopsError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(
        dest="secrets_command", required=True, metavar="<secrets command>", title="secrets commands"
    )
    sub = commands.add_parser(
        "edit", help="open an environment's SOPS-encrypted Secret in sops (created first if missing)"
    )
    add_env_argument(sub, repeatable=False, required=True)
    sub.add_argument(
        "--secret", default=c.APP_SECRET_NAME, choices=sorted(SECRETS), help=f"default: {c.APP_SECRET_NAME}"
    )
    add_root(sub)
    sub = commands.add_parser("init", help="create an environment's encrypted Secrets with generated credentials")
    add_env_argument(sub, repeatable=False, required=True)
    sub.add_argument("--force", action="store_true", help="replace existing files (every credential changes)")
    add_root(sub)


def add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", type=Path, default=REPO_ROOT, help="checkout holding .sops.yaml and secrets/ (default: this one)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        if args.secrets_command == "init":
            init(args.root.resolve(), args.env, force=args.force)
        else:
            edit(args.root.resolve(), args.env, args.secret)
    except (SecretsError, SopsError, PreflightError) as exc:
        print(f"secrets {args.secrets_command}: {exc}", file=sys.stderr)
        return 1
    return 0
