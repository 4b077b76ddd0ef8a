"""dist/<env>/ must equal a fresh synth: anything else is a hand edit Flux would deploy (or undo)."""

from __future__ import annotations

from pathlib import Path

from ..config import Environment
from .model import Finding, file_finding

FIX = "run `make synth` and commit the result; change constructs/docrouter, never dist/ by hand"


def check_drift(root: Path, env: Environment) -> list[Finding]:
    from ..synth import render  # cdk8s start-up cost only when drift is checked

    folder = root / "dist" / env.name
    try:
        expected = {path: _bytes(content) for path, content in render(env).items()}
    except Exception as exc:  # noqa: BLE001 - any synth failure is a finding, not a traceback
        fix = "run `make synth` to see the error"
        return [file_finding("drift/synth-failed", f"dist/{env.name}", f"synth failed: {exc}", fix)]
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    actual = {p.relative_to(folder).as_posix(): p for p in files}
    findings = []
    for path in sorted(actual.keys() - expected.keys()):
        findings.append(file_finding("drift/added", f"dist/{env.name}/{path}", "synth does not produce this file", FIX))
    for path in sorted(expected.keys() - actual.keys()):
        message = "synth produces this file, dist/ lacks it"
        findings.append(file_finding("drift/removed", f"dist/{env.name}/{path}", message, FIX))
    for path in sorted(expected.keys() & actual.keys()):
        committed = actual[path].read_bytes()
        if committed != expected[path]:
            line = _first_different_line(committed, expected[path])
            message = f"differs from a fresh synth from line {line}"
            findings.append(file_finding("drift/changed", f"dist/{env.name}/{path}", message, FIX))
    return findings


def _bytes(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def _first_different_line(committed: bytes, expected: bytes) -> int:
    old, new = committed.splitlines(), expected.splitlines()
    return next((number for number, (a, b) in enumerate(zip(old, new), 1) if a != b), min(len(old), len(new)) + 1)
