"""Command line behind main.py and the Makefile.

`python main.py` (no command) synthesizes every environment, like `make synth`.
Other commands live in their own modules, each exposing `add_arguments(parser)` and
`run(args) -> exit code`; they are imported only when used, so synth stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from .checks import SynthError
from .config import ConfigError, environment_names, load_environment
from .paths import REPO_ROOT

# command → (module, help)
COMMANDS = {
    "validate": ("docrouter.validate.cli", "check every manifest in dist/ and clusters/ (make validate)"),
    "diff": ("docrouter.review.diff_cli", "per-object diff of dist/ between revisions, with risk flags (make diff)"),
    "history": ("docrouter.review.history_cli", "revisions that changed one environment (make history)"),
    "rollback": ("docrouter.review.rollback_cli", "restore an environment to an earlier revision (make rollback)"),
    "kind": ("docrouter.kind.cli", "local Kind cluster: up, secrets, deploy, status, down"),
    "secrets": ("docrouter.secrets.cli", "edit an environment's SOPS-encrypted secrets"),
}


def default_dist() -> Path:
    # The cdk8s CLI (`cdk8s synth`) passes its output folder in CDK8S_OUTDIR.
    return Path(os.environ.get("CDK8S_OUTDIR") or REPO_ROOT / "dist")


def run_synth(args: argparse.Namespace) -> int:
    from .synth import synthesize  # cdk8s start-up cost only for synth

    names = [args.env] if args.env else environment_names()
    envs = [load_environment(name) for name in names]  # all valid before anything is written
    allow_shrink = os.environ.get("ALLOW_SHRINK", "") not in ("", "0")
    # With --out (throwaway copies), clusters/ is written only where --clusters-out says.
    out = Path(args.out) if args.out else default_dist()
    clusters = Path(args.clusters_out) if args.clusters_out else (None if args.out else REPO_ROOT / "clusters")
    for path in synthesize(envs, out, clusters=clusters, allow_shrink=allow_shrink):
        print(f"synthesized {path}")
    return 0


def _synth_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", help="one environment (default: all of them)")
    parser.add_argument("--out", help="folder to write environments into (default: dist/)")
    parser.add_argument("--clusters-out", help="folder for clusters/<env>/ (default: clusters/, or none with --out)")


def _output_state(args: argparse.Namespace) -> str:
    """What a failed synth left in the output folder: it writes nothing, but `cdk8s synth` deletes it first."""
    out = Path(args.out) if args.out else default_dist()
    if os.environ.get("CDK8S_OUTDIR") and not args.out and not out.exists():
        return (f"{out} is gone: `cdk8s synth` deletes it before running main.py. Fix: restore the committed files "
                f"with `git checkout -- {out}`, or correct the error and synthesize again.")
    return f"{out if args.out else 'dist/'} was left unchanged."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="doc-router platform: synth and tools")
    _synth_arguments(parser)
    commands = parser.add_subparsers(dest="command")
    _synth_arguments(commands.add_parser("synth", help="write dist/<env>/ (the default command)"))
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # that tool is not part of this checkout
            raise
        sub = commands.add_parser(name, help=help_text)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in (None, "synth"):
        try:
            return run_synth(args)
        except (ConfigError, SynthError) as exc:
            print(f"synth failed: {exc}", file=sys.stderr)
            print(_output_state(args), file=sys.stderr)
            return 1
        except OSError as exc:  # e.g. dist/ not writable: one line, not a traceback
            print(f"synth failed: cannot write {exc.filename or 'the output'}: {exc.strerror or exc}. "
                  "Fix: check the folder's permissions and free space, then run `make synth` again.", file=sys.stderr)
            return 1
    return args.run(args)
