"""Same inputs, byte-identical output; committed dist/ matches a fresh synth."""

from __future__ import annotations

import difflib

import pytest

from conftest import ENVIRONMENTS, REPO, manifests_for
from docrouter.config import load_environment
from docrouter.paths import GENERATED_BY
from docrouter.synthesis.synth import render


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_two_renders_are_byte_identical(env):
    assert render(load_environment(env)) == manifests_for(env).files


def _as_text(content) -> str:
    return content.decode("utf-8") if isinstance(content, bytes) else content


def compare_tree(label: str, folder, fresh: dict, skip: str = "") -> list[str]:
    """Per-file differences between a committed folder and fresh output, as unified diffs."""
    committed = {
        p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
        for p in folder.rglob("*")
        if p.is_file() and not (skip and skip in p.relative_to(folder).parts)
    }
    problems = [f"missing in {label}: {p}" for p in sorted(fresh.keys() - committed.keys())]
    problems += [f"stale file in {label}: {p}" for p in sorted(committed.keys() - fresh.keys())]
    for path in sorted(fresh.keys() & committed.keys()):
        new = _as_text(fresh[path])
        if new != committed[path]:
            diff = difflib.unified_diff(
                committed[path].splitlines(), new.splitlines(), f"{label}/{path}", "fresh synth", lineterm=""
            )
            problems.append("\n".join(diff))
    return problems


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_committed_dist_and_clusters_match_fresh_synth(env):
    """Like kapitan's compile test: a readable per-file diff on mismatch, not a hash."""
    m = manifests_for(env)
    problems = compare_tree(f"dist/{env}", REPO / "dist" / env, m.files)
    # clusters/<env>/flux-system/ is written by `flux bootstrap`, not by synth.
    problems += compare_tree(f"clusters/{env}", REPO / "clusters" / env, m.cluster_files, skip="flux-system")
    assert not problems, "out of date; run `make synth`:\n" + "\n".join(problems)


def test_dist_and_clusters_hold_exactly_the_configured_environments():
    for folder in ("dist", "clusters"):
        present = sorted(p.name for p in (REPO / folder).iterdir() if p.is_dir())
        assert present == ENVIRONMENTS, f"{folder}/ has {present}, environments are {ENVIRONMENTS}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_file_says_it_is_generated(env):
    m = manifests_for(env)
    for path, text in {**m.files, **m.cluster_files}.items():
        if path.endswith(".sops.yaml"):
            continue  # committed encrypted files are copied byte for byte
        assert isinstance(text, str) and text.startswith(GENERATED_BY + "\n"), path


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_names_are_explicit_and_hash_free(env):
    for obj in manifests_for(env).objects:
        name = obj["metadata"]["name"]
        assert len(name) <= 63, name
        # cdk8s appends an 8-hex-digit hash to generated names; ours are all explicit.
        tail = name.rsplit("-", 1)[-1]
        assert not (len(tail) == 8 and all(ch in "0123456789abcdef" for ch in tail)), name
