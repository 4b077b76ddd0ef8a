"""`python main.py validate` (make validate): check dist/ and clusters/ of every environment offline."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from docrouter.environment_files import add_env_argument
from docrouter.exit_codes import FINDINGS, OK
from docrouter.output import add_output_arguments, emit
from docrouter.paths import REPO_ROOT
from docrouter.progress import Progress
from docrouter.synthesis.background import BackgroundSynth, SynthFailed
from docrouter_tools.validate.model import ERROR, Finding, file_finding
from docrouter_tools.validate.report import render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_env_argument(parser, repeatable=True)
    add_output_arguments(parser)
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list every finding (default: one line per environment, plus its errors)",
    )
    parser.add_argument("--no-drift", action="store_true", help="skip comparing dist/ with a fresh synth")
    parser.add_argument("--root", default=str(REPO_ROOT), help="repository to check (default: this one)")


def config_finding(name: str, message: str) -> Finding:
    """A ConfigError as one finding: the message already names the file, the field and the fix."""
    first = message.splitlines()[0]
    what, _, fix = first.partition(". Fix: ")
    more = len(message.splitlines()) - 1
    what += f" (and {more} more: run `make synth ENV={name}`)" if more else ""
    fix = fix.rstrip(".") or "correct the environment file"
    from docrouter.config import environment_file

    return file_finding("config/invalid", environment_file(name), what, fix)


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    with ExitStack() as stack:
        # The drift check compares with a fresh synth of this checkout: it runs in its own process (the
        # command's one Node start) on the other core, while this one loads and runs the other checks.
        synth = None if args.no_drift else stack.enter_context(BackgroundSynth(REPO_ROOT, envs=args.env or ()))
        from docrouter.config import ConfigError, environment_names, load_environment
        from docrouter_tools.validate.drift import check_drift
        from docrouter_tools.validate.engine import most_severe_first, validate_environment

        try:
            names = args.env or environment_names()
        except ConfigError as exc:
            print(f"validate: {exc}", file=sys.stderr)
            return FINDINGS
        results: dict[str, list[Finding]] = {}
        loaded = {}
        if not args.env:  # every environment: also what is left of one whose file is gone
            from docrouter_tools.validate.environments import orphaned_environments

            results |= orphaned_environments(root, names)
        with Progress(f"validate: checking {', '.join(names)} (schemas, references, policy, network flows)"):
            for name in names:
                try:
                    loaded[name] = load_environment(name)
                except ConfigError as exc:  # one broken environment file is a finding; the others still run
                    results[name] = [config_finding(name, str(exc))]
                    continue
                results[name] = validate_environment(root, loaded[name], with_drift=False)
        if synth is not None:
            with Progress("validate: waiting for the drift check's synth"):
                fresh = _synthesized(synth)
            for name, env in loaded.items():
                results[name] = most_severe_first(results[name] + check_drift(root, env, fresh))
    written = emit(render(results, args.output, verbose=args.verbose), args.out, "validate")
    failed = any(f.severity == ERROR for findings in results.values() for f in findings)
    return FINDINGS if failed or written != OK else OK


def _synthesized(synth: BackgroundSynth) -> dict[str, bytes] | None:
    """The background synth's files; None when it failed (each environment is then rendered
    in-process, so the failure is reported against the environment that causes it)."""
    try:
        return synth.tree()
    except SynthFailed:
        return None
