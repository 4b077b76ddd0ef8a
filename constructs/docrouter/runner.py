"""The one way tools run external commands (kind, docker, kubectl, flux, sops, ...).

Every command is printed before it runs (`+ kind create cluster ...`), its output
streams to the terminal unless the caller needs it as text, and a failure raises
CommandError naming the command, so users see exactly what broke and tests can
assert the sequence. Secrets are passed on stdin, never on the command line.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass


class CommandError(Exception):
    """An external command failed, was not found, or did not finish in time."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    stdout: str


def run(
    command: Sequence[str],
    *,
    stdin: str | None = None,
    capture: bool = False,
    timeout: float | None = None,
) -> str:
    """Run `command`; return its stdout when `capture`, else stream it. Raise CommandError on failure."""
    outcome = _execute(command, stdin=stdin, capture=capture, timeout=timeout, quiet_errors=False)
    if not outcome.ok:
        raise CommandError(f"`{shlex.join(command)}` failed (see its output above)")
    return outcome.stdout


def probe(command: Sequence[str], *, timeout: float | None = 60) -> Outcome:
    """Run a question such as `docker inspect kind-registry`: failure is an answer, not an error."""
    return _execute(command, stdin=None, capture=True, timeout=timeout, quiet_errors=True)


def _execute(
    command: Sequence[str], *, stdin: str | None, capture: bool, timeout: float | None, quiet_errors: bool
) -> Outcome:
    text = shlex.join(command)
    print(f"+ {text}", flush=True)
    try:
        completed = subprocess.run(
            list(command),
            input=stdin,
            text=True,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if quiet_errors else None,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise CommandError(f"`{text}`: {command[0]} is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        raise CommandError(f"`{text}` did not finish within {timeout:g}s") from None
    return Outcome(ok=completed.returncode == 0, stdout=completed.stdout or "")
