"""dist/<env>/ and our files in clusters/<env>/ must equal a fresh synth: anything else is a hand edit
Flux would deploy (or undo)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from docrouter.config import Environment
from docrouter.paths import GENERATED_BY
from docrouter.tree_files import TreeFileError, read_regular, starts_with
from docrouter_tools.validate.loading import walk_files
from docrouter_tools.validate.model import Finding, file_finding

FIX = "run `make synth` and commit the result; change constructs/docrouter, never dist/ or clusters/ by hand"


def check_drift(root: Path, env: Environment, synthesized: Mapping[str, bytes] | None = None) -> list[Finding]:
    """Compare root's dist/<env>/ and clusters/<env>/ with a fresh synth.

    `synthesized` is a finished synth's output (`dist/<env>/...`, `clusters/<env>/...`, what
    BackgroundSynth.tree() returns); without it the environment is rendered here, in-process.
    """
    dist_files: Mapping[str, str | bytes]
    expected_clusters: Mapping[str, str | bytes]
    if synthesized is not None:
        dist_files = _under(synthesized, f"dist/{env.name}/")
        expected_clusters = _under(synthesized, f"clusters/{env.name}/")
    else:
        try:
            dist_files, expected_clusters = _render(env)
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


def _render(env: Environment) -> tuple[Mapping[str, str | bytes], Mapping[str, str | bytes]]:
    from docrouter.synthesis.synth import render, render_clusters  # starts cdk8s' Node runtime

    dist_files = render(env)
    return dist_files, render_clusters(env, dist_files)


def _under(tree: Mapping[str, bytes], prefix: str) -> dict[str, bytes]:
    return {path[len(prefix) :]: content for path, content in tree.items() if path.startswith(prefix)}


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
        try:
            committed = read_regular(actual[path])
        except TreeFileError as exc:
            findings.append(file_finding("drift/changed", f"{prefix}/{path}", str(exc), FIX))
            continue
        if committed != expected[path]:
            line = _first_different_line(committed, expected[path])
            message = f"differs from a fresh synth from line {line}"
            findings.append(file_finding("drift/changed", f"{prefix}/{path}", message, FIX))
    return findings


def _starts_with(path: Path, header: str) -> bool:
    return starts_with(path, header.encode())


def _bytes(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def _first_different_line(committed: bytes, expected: bytes) -> int:
    old, new = committed.splitlines(), expected.splitlines()
    return next(
        (number for number, (a, b) in enumerate(zip(old, new, strict=False), 1) if a != b), min(len(old), len(new)) + 1
    )
