"""dist/<env>/ and our files in clusters/<env>/ must equal a fresh synth: anything else is a hand edit
Flux would deploy (or undo)."""

from __future__ import annotations

from pathlib import Path

from docrouter.config import Environment
from docrouter.tools.validate.loading import walk_files
from docrouter.tools.validate.model import Finding, file_finding

FIX = "run `make synth` and commit the result; change constructs/docrouter, never dist/ or clusters/ by hand"


def check_drift(root: Path, env: Environment) -> list[Finding]:
    from docrouter.synthesis.synth import (
        GENERATED_BY,
        render,
        render_clusters,
    )  # cdk8s start-up cost only when drift is checked

    try:
        dist_files = render(env)
        expected_clusters = render_clusters(env, dist_files)
    except Exception as exc:  # noqa: BLE001 - any synth failure is a finding, not a traceback
        fix = "run `make synth` to see the error"
        message = " ".join(f"synth failed: {exc}".split())[:300]
        return [file_finding("drift/synth-failed", f"dist/{env.name}", message, fix)]
    dist = f"dist/{env.name}"
    files, links = walk_files(root / dist)
    findings = _compare(
        dist,
        {path: _bytes(content) for path, content in dist_files.items()},
        {p.relative_to(root / dist).as_posix(): p for p in files + links},
    )
    # clusters/<env>/ also holds what `flux bootstrap` writes (flux-system/): only our files are compared,
    # the ones synth writes (top level) and any top-level file carrying our generated header.
    clusters = f"clusters/{env.name}"
    folder = root / clusters
    ours = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() and not folder.is_symlink() else []:
        if path.name in expected_clusters or path.is_symlink() or _starts_with(path, GENERATED_BY):
            ours[path.name] = path
    expected = {name: _bytes(content) for name, content in expected_clusters.items()}
    return findings + _compare(clusters, expected, ours)


def _compare(prefix: str, expected: dict[str, bytes], actual: dict[str, Path]) -> list[Finding]:
    findings = []
    for path in sorted(actual.keys() - expected.keys()):
        findings.append(file_finding("drift/added", f"{prefix}/{path}", "synth does not produce this file", FIX))
    for path in sorted(expected.keys() - actual.keys()):
        message = f"synth produces this file, {prefix.split('/')[0]}/ lacks it"
        findings.append(file_finding("drift/removed", f"{prefix}/{path}", message, FIX))
    for path in sorted(expected.keys() & actual.keys()):
        if actual[path].is_symlink():
            message = "is a symbolic link (not followed); synth writes a regular file here"
            findings.append(file_finding("drift/changed", f"{prefix}/{path}", message, FIX))
            continue
        committed = actual[path].read_bytes()
        if committed != expected[path]:
            line = _first_different_line(committed, expected[path])
            message = f"differs from a fresh synth from line {line}"
            findings.append(file_finding("drift/changed", f"{prefix}/{path}", message, FIX))
    return findings


def _starts_with(path: Path, header: str) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(header.encode())) == header.encode()


def _bytes(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def _first_different_line(committed: bytes, expected: bytes) -> int:
    old, new = committed.splitlines(), expected.splitlines()
    return next(
        (number for number, (a, b) in enumerate(zip(old, new, strict=False), 1) if a != b), min(len(old), len(new)) + 1
    )
