"""Command line behind main.py, the `docrouter` console script and the Makefile.

A bare `python main.py` prints help and writes nothing; `make synth` (`main.py synth`) synthesizes.
Each command lives in its own module exposing `add_arguments(parser)` and `run(args) -> exit code`;
only the module of the command being run is imported, so only synth starts cdk8s' jsii/Node runtime
(validate's drift check, diff and rollback run a synth in a child process: synthesis/background.py).

Exit codes, the same for every command (docs/performance.md repeats this table for users):
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, cast

from docrouter.environment_files import add_env_argument
from docrouter.exit_codes import CLOSED_PIPE, EXIT_CODES_HELP, FINDINGS, OK, USAGE
from docrouter.output import PrintableStream
from docrouter.paths import REPO_ROOT
from docrouter.progress import Progress

__doc__ += EXIT_CODES_HELP


@dataclass(frozen=True)
class Command:
    module: str  # imported only when this command runs
    summary: str  # one line in the command list
    description: str
    examples: tuple[str, ...]


COMMANDS = {
    "synth": Command(
        "docrouter.cli",
        "write dist/<env>/ and clusters/<env>/ (make synth)",
        "Synthesize the constructs into plain YAML: dist/<env>/ per layer and clusters/<env>/ for Flux. "
        "Every environment is checked before anything is written; a failure leaves dist/ untouched.",
        ("main.py synth", "main.py synth --env staging", "main.py synth --out build/dist"),
    ),
    "validate": Command(
        "docrouter_tools.validate.cli",
        "check every manifest in dist/ and clusters/ (make validate)",
        "Check the committed manifests offline: schemas, references, policy, SOPS secrets, network flows "
        "and drift from a fresh synth. Prints one line per environment; -v lists every finding.",
        ("main.py validate", "main.py validate --env staging -v", "main.py validate -o json --out report.json"),
    ),
    "diff": Command(
        "docrouter_tools.review.diff_cli",
        "per-object diff of dist/ between revisions, with risk flags (make diff)",
        "Compare the manifests of two revisions object by object and flag risky changes "
        "(downtime, data loss, security, capacity).",
        (
            "main.py diff",
            "main.py diff --base main --head HEAD -o markdown --out diff.md",
            "main.py diff --env staging --fail-on-risk",
        ),
    ),
    "history": Command(
        "docrouter_tools.review.history_cli",
        "revisions that changed one environment (make history)",
        "List the commits that changed dist/<env>/, newest first, numbered for `rollback --to`.",
        ("main.py history --env production", "main.py history --env staging -o json"),
    ),
    "rollback": Command(
        "docrouter_tools.review.rollback_cli",
        "restore an environment to an earlier revision (make rollback)",
        "Restore dist/<env>/ and the environment file to an earlier revision as a new commit, after showing the diff.",
        ("main.py rollback --env production --to 3", "main.py rollback --env staging --to abc1234 --yes"),
    ),
    "auto-rollback": Command(
        "docrouter_tools.review.auto_rollback_cli",
        "decide and record an automatic rollback (.github/workflows/auto-rollback.yml)",
        "The steps of the auto-rollback workflow: decide whether a Flux failure event reverts its revision "
        "(docs/reviewing.md, 'Automatic rollback'), then reword the `make rollback` commit and the PR comment.",
        (
            "main.py auto-rollback decide --event event.json --pulls pulls.json --out decision.json",
            "main.py auto-rollback record --decision decision.json",
        ),
    ),
    "kind": Command(
        "docrouter_tools.kind.cli",
        "local Kind cluster: up, secrets, deploy, status, down",
        "Run the kind environment on a local Kind cluster with a local registry and Flux.",
        ("main.py kind up", "main.py kind deploy --timeout 20m", "main.py kind status"),
    ),
    "secrets": Command(
        "docrouter_tools.secrets.cli",
        "create or edit an environment's SOPS-encrypted secrets",
        "Create an environment's encrypted Secrets with generated credentials, or edit one with sops.",
        ("main.py secrets init --env staging", "main.py secrets edit --env production --secret mongodb-credentials"),
    ),
}


def examples_epilog(examples: tuple[str, ...]) -> str:
    prog = Path(sys.argv[0]).name or "main.py"
    return (
        "examples:\n"
        + "\n".join(f"  {line.replace('main.py', prog, 1)}" for line in examples)
        + "\n\n"
        + EXIT_CODES_HELP
    )


def add_command_parser(commands: argparse._SubParsersAction, name: str, command: Command) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        help=command.summary,
        description=command.description,
        epilog=examples_epilog(command.examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as installed_version

        return installed_version("doc-router-platform")
    except PackageNotFoundError:  # a plain checkout without `pip install -e .`: read pyproject.toml
        import tomllib

        return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


class VersionAction(argparse.Action):
    """--version, computed only when asked (importlib.metadata is not free)."""

    def __init__(self, option_strings, dest, **kwargs):  # noqa: ANN001 - argparse's signature
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001 - argparse's signature
        print(f"{parser.prog} {version()}")
        parser.exit(OK)


def requested_command(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The full parser, but only the requested command's module is imported to add its options."""
    parser = argparse.ArgumentParser(
        description="doc-router platform: synthesize, validate, review and run the GitOps manifests.",
        epilog=examples_epilog(("main.py synth", "main.py validate", "main.py diff", "main.py <command> --help")),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=VersionAction)
    commands = parser.add_subparsers(dest="command", title="commands", metavar="<command>")
    wanted = requested_command(argv)
    for name, command in COMMANDS.items():
        sub = add_command_parser(commands, name, command)
        if name != wanted:
            continue
        if name == "synth":
            synth_arguments(sub)
            sub.set_defaults(run=run_synth)
        else:
            module = importlib.import_module(command.module)
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


def default_dist() -> Path:
    # The cdk8s CLI (`cdk8s synth`) passes its output folder in CDK8S_OUTDIR.
    return Path(os.environ.get("CDK8S_OUTDIR") or REPO_ROOT / "dist")


def synth_folder(value: str) -> str:
    """synth writes a folder per environment: unlike a report's --out FILE, '-' (standard output) cannot be one."""
    if value in ("", "-"):
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a folder: synth writes one folder per environment, never to standard output. "
            "Fix: name a folder, e.g. --out /tmp/dist"
        )
    return value


def synth_arguments(parser: argparse.ArgumentParser) -> None:
    add_env_argument(parser, repeatable=True)
    parser.add_argument(
        "--out",
        type=synth_folder,
        metavar="DIR",
        help="folder to write environments into (default: dist/); it must hold only earlier synth output, "
        "and lie inside the repository unless ALLOW_OUTSIDE_REPO=1",
    )
    parser.add_argument("--clusters-out", help="folder for clusters/<env>/ (default: clusters/, or none with --out)")


def _output_state(args: argparse.Namespace) -> str:
    """What a failed synth left in the output folder: it writes nothing, but `cdk8s synth` deletes it first."""
    out = Path(args.out) if args.out else default_dist()
    if os.environ.get("CDK8S_OUTDIR") and not args.out and not out.exists():
        return (
            f"{out} is gone: `cdk8s synth` deletes it before running main.py. Fix: restore the committed files "
            f"with `git checkout -- {out}`, or correct the error and synthesize again."
        )
    return f"{out if args.out else 'dist/'} was left unchanged."


def run_synth(args: argparse.Namespace) -> int:
    from docrouter.config import ConfigError, environment_names, load_environment
    from docrouter.node_runtime import prepare
    from docrouter.schemas import CrdSchemasMissing, crd_schema_folder
    from docrouter.synthesis.checks import SynthError

    prepare()  # before jsii starts Node
    try:
        crd_schema_folder()  # no CRD schema source: one line before any work
        from docrouter.synthesis.output_guard import check_inside_repository, check_output_folder
        from docrouter.synthesis.synth import (
            environments_without_file,
            synthesize,  # cdk8s start-up cost only for synth
        )

        names = args.env or environment_names()
        envs = [load_environment(name) for name in names]  # all valid before anything is written
        allow_shrink = os.environ.get("ALLOW_SHRINK", "") not in ("", "0")
        # With --out (throwaway copies), clusters/ is written only where --clusters-out says.
        out = Path(args.out) if args.out else default_dist()
        clusters = Path(args.clusters_out) if args.clusters_out else (None if args.out else REPO_ROOT / "clusters")
        if args.out:
            check_output_folder(out, names)
        if clusters is not None and args.clusters_out:
            check_inside_repository("--clusters-out", clusters)
        # A full synth of the repository's own trees also removes environments whose file was deleted.
        retired = environments_without_file(out, clusters, environment_names()) if not (args.env or args.out) else []
        with Progress(f"synth: {len(envs)} environment{'s' * (len(envs) > 1)}"):
            written = synthesize(envs, out, clusters=clusters, allow_shrink=allow_shrink, retired=retired)
        for path in written:
            print(f"{'removed' if path.name in retired else 'synthesized'} {path}")
        if not args.out:  # the repository's own dist/: its README table follows the environment files too
            _update_readme_table(envs)
        return OK
    except (ConfigError, SynthError, CrdSchemasMissing) as exc:
        print(f"synth failed: {exc}", file=sys.stderr)
        print(_output_state(args), file=sys.stderr)
        return FINDINGS
    except OSError as exc:  # e.g. dist/ not writable: one line, not a traceback
        print(
            f"synth failed: cannot write {exc.filename or 'the output'}: {exc.strerror or exc}. "
            "Fix: check the folder's permissions and free space, then run `make synth` again.",
            file=sys.stderr,
        )
        return FINDINGS


def _update_readme_table(synthesized: list) -> None:
    """README.md's environment table from every environment file (generated, like dist/)."""
    from docrouter.config import ConfigError, environment_names, load_environment
    from docrouter.readme_environments import README, update_readme

    done = {env.name: env for env in synthesized}
    try:
        envs = [done.get(name) or load_environment(name) for name in environment_names()]
    except ConfigError as exc:  # that environment's own synth reports it; the table waits for it
        print(f"README.md environment table not updated: {str(exc).splitlines()[0]}", file=sys.stderr)
        return
    if update_readme(envs):
        print(f"updated {README.relative_to(REPO_ROOT)} (environment table)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:  # like kubectl and helm: help, and nothing written
        parser.print_help()
        return OK
    terminate_like_interrupt()
    original, sys.stderr = sys.stderr, cast(TextIO, PrintableStream(sys.stderr))  # messages may quote the repo
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `validate -o json | head`: the reader has what it wanted; no error, like kubectl
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush cannot complain either
        return CLOSED_PIPE
    finally:
        sys.stderr = original


def terminate_like_interrupt() -> None:
    """SIGTERM (kill, CI cancelling a job) and SIGHUP (a closed terminal) unwind like Ctrl-C.

    Every command already cleans up on KeyboardInterrupt (synth abandons its staging folder,
    rollback resets what it staged, secrets-edit deletes the decrypted copy); these signals
    would otherwise end the process on the spot and skip that.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)


assert USAGE == 2, "argparse exits 2 on a usage error; the exit-code table relies on it"
