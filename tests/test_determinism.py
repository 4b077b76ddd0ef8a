"""Same inputs, byte-identical output; committed dist/ matches a fresh synth."""

from __future__ import annotations

import difflib

import pytest

from conftest import ENVIRONMENTS, REPO, manifests_for
from docrouter.config import load_environment
from docrouter.synth import GENERATED_BY, render


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_two_renders_are_byte_identical(env):
    assert render(load_environment(env)) == manifests_for(env).files


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_committed_dist_matches_fresh_synth(env):
    """Like kapitan's compile test: a readable per-file diff on mismatch, not a hash."""
    fresh = manifests_for(env).files
    folder = REPO / "dist" / env
    committed = {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()}
    problems = [f"missing in dist/{env}: {p}" for p in sorted(fresh.keys() - committed.keys())]
    problems += [f"stale file in dist/{env}: {p}" for p in sorted(committed.keys() - fresh.keys())]
    for path in sorted(fresh.keys() & committed.keys()):
        if fresh[path] != committed[path]:
            diff = difflib.unified_diff(
                committed[path].splitlines(), fresh[path].splitlines(), f"dist/{env}/{path}", "fresh synth", lineterm=""
            )
            problems.append("\n".join(diff))
    assert not problems, "dist/ is out of date; run `make synth`:\n" + "\n".join(problems)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_file_says_it_is_generated(env):
    for path, text in manifests_for(env).files.items():
        assert text.startswith(GENERATED_BY + "\n"), path


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_names_are_explicit_and_hash_free(env):
    for obj in manifests_for(env).objects:
        name = obj["metadata"]["name"]
        assert len(name) <= 63, name
        # cdk8s appends an 8-hex-digit hash to generated names; ours are all explicit.
        tail = name.rsplit("-", 1)[-1]
        assert not (len(tail) == 8 and all(ch in "0123456789abcdef" for ch in tail)), name
