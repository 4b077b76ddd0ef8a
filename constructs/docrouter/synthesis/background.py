"""A synth running in the background, in its own process: diff's and validate's one Node start."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

MAX_SYNTH_OUTPUT = 2000
# What a synth needs from the caller's environment; nothing else reaches it. Synth never decrypts,
# so no key (SOPS_AGE_KEY*, AWS_*, DIGITALOCEAN_*, GITHUB_TOKEN, …) has any business there, and
# another revision's code (a PR branch under `make diff HEAD=<ref>`) must not be able to read them.
PASSED_VARIABLES = ("PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM", "NO_COLOR", "CRD_SCHEMAS", "SYSTEMROOT")
PASSED_PREFIXES = ("LC_", "JSII_")


def synth_environment(home: str | None = None) -> dict[str, str]:
    """The scrubbed environment of a background synth; `home` replaces HOME (another revision's code)."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if name in PASSED_VARIABLES or name.startswith(PASSED_PREFIXES)
    }
    kept["HOME"] = home if home is not None else os.environ.get("HOME", "")
    # The temporary output folder is outside the checkout on purpose (synthesis/output_guard.py).
    kept["ALLOW_OUTSIDE_REPO"] = "1"
    return kept


class SynthFailed(Exception):
    """Synthesizing a checkout failed; the message holds the end of synth's output."""


class BackgroundSynth:
    """`main.py synth` of a checkout into a temporary folder, running in its own process.

    Its own process, so a broken checkout fails with synth's own message and never takes the
    caller down; in the background, so the caller works meanwhile on the other core (diff reads
    the base revision, validate runs its checks, two revisions synthesize side by side). Use it
    as a context manager: leaving it stops the process if still running and removes the folder.
    """

    def __init__(self, checkout: Path, envs: Sequence[str] = (), *, foreign: bool = False) -> None:
        """envs: only these environments (default: all). foreign: the checkout is another revision; its code
        also gets an empty HOME of its own (~/.config/sops/age/keys.txt, ~/.aws, ~/.kube are not where it
        looks). Not a sandbox: see docs/reviewing.md."""
        self.checkout = checkout
        self._folder = tempfile.TemporaryDirectory(prefix="docrouter-synth-")
        self.out = Path(self._folder.name)
        home = None
        if foreign:
            (self.out / "home").mkdir()
            home = str(self.out / "home")
        command = [sys.executable, "main.py", "synth", "--out", str(self.out / "dist")]
        command += ["--clusters-out", str(self.out / "clusters")] + [arg for env in envs for arg in ("--env", env)]
        self._process = subprocess.Popen(
            command,
            cwd=checkout,
            env=synth_environment(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )

    def __enter__(self) -> BackgroundSynth:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process.poll() is None:  # the caller failed first: synth's result is not needed
            self._process.kill()
            self._process.communicate()
        self._folder.cleanup()

    def wait(self) -> None:
        """Wait for synth to finish; SynthFailed with the end of its output when it failed."""
        output, _ = self._process.communicate()
        if self._process.returncode != 0:
            # synth's own message is a few lines; keep only the end of anything longer (never flood the terminal).
            output = output.strip()
            output = output if len(output) <= MAX_SYNTH_OUTPUT else "…" + output[-MAX_SYNTH_OUTPUT:]
            raise SynthFailed(f"synth in {self.checkout} failed:\n{output}")

    def tree(self) -> dict[str, bytes]:
        """Every file synth wrote (dist/... and clusters/...), once synth has finished."""
        self.wait()
        return {
            path.relative_to(self.out).as_posix(): path.read_bytes()
            for top in ("dist", "clusters")
            for path in sorted((self.out / top).rglob("*"))
            if path.is_file() and not path.is_symlink()
        }
