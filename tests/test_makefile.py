"""The Makefile hands what a user types to the tools as arguments, never as shell text; prints no recipe
(so `make validate FORMAT=json > f` is JSON); and `make help` lists every variable the docs use."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

# Stands in for .venv/bin/python (make PY=...): records the arguments and prints a JSON document.
RECORDER = """#!{python}
import json, os, sys
with open(os.environ["RECORD"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
print(json.dumps({{"ok": True}}))
"""

HOSTILE = ("`touch {mark}`", "$$(touch {mark})", "HEAD;touch {mark}", "$(shell touch {mark})", "x' \"y")


def make(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[list[str]]]:
    recorder = tmp_path / "python"
    recorder.write_text(RECORDER.format(python=sys.executable))
    recorder.chmod(0o755)
    record = tmp_path / "record.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(
        ["make", "--no-print-directory", f"PY={recorder}", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "RECORD": str(record)},
    )
    calls = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    return result, calls


def main_py_args(calls: list[list[str]]) -> list[str]:
    assert len(calls) == 1, calls
    assert calls[0][0] == "main.py"
    return calls[0][1:]


@pytest.mark.parametrize("template", HOSTILE)
@pytest.mark.parametrize(
    ("target", "variable", "expected"),
    [
        ("rollback", "TO", ["rollback", "--env", "staging", "--to", "{value}"]),
        ("diff", "BASE", ["diff", "--env", "staging", "--base", "{value}", "-o", "terminal"]),
        ("diff", "HEAD", ["diff", "--env", "staging", "--head", "{value}", "-o", "terminal"]),
        ("validate", "OUT", ["validate", "--env", "staging", "-o", "terminal", "--out", "{value}"]),
        ("history", "FORMAT", ["history", "--env", "staging", "-o", "{value}"]),
        ("secrets-edit", "SECRET", ["secrets", "edit", "--env", "staging", "--secret", "{value}"]),
        ("kind-status", "KIND_CLUSTER", ["kind", "status", "--cluster", "{value}"]),
    ],
)
def test_a_variable_is_one_argument_and_never_runs(tmp_path, target, variable, expected, template):
    mark = tmp_path / "injected"
    value = template.format(mark=mark)
    result, calls = make(tmp_path, target, "ENV=staging", f"{variable}={value}")
    assert result.returncode == 0, result.stderr
    assert not mark.exists(), f"make {target} {variable}={value!r} ran a command"
    # $(value ...): not even make expands it; the tool gets the text as typed, as one argument.
    assert main_py_args(calls) == [part.replace("{value}", value) for part in expected]


@pytest.mark.parametrize("template", HOSTILE)
def test_a_hostile_env_is_one_argument_too(tmp_path, template):
    mark = tmp_path / "injected"
    value = template.format(mark=mark)
    result, calls = make(tmp_path, "history", f"ENV={value}", "OUT=out file.json")
    assert result.returncode == 0 and not mark.exists()
    assert main_py_args(calls) == ["history", "--env", value, "-o", "terminal", "--out", "out file.json"]


def test_status_file_and_out_with_spaces_and_quotes(tmp_path):
    status = tmp_path / "a b'c.status"
    result, calls = make(tmp_path, "diff", f"STATUS_FILE={status}", "FAIL_ON_RISK=1")
    assert result.returncode == 0, result.stderr
    assert status.read_text() == "0\n"
    assert main_py_args(calls) == ["diff", "-o", "terminal", "--fail-on-risk"]


@pytest.mark.parametrize("target", ["validate", "history", "diff"])
def test_no_recipe_is_printed_so_json_output_is_json(tmp_path, target):
    result, _ = make(tmp_path, target, "ENV=kind", "FORMAT=json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ok": True}


def help_variables() -> dict[str, str]:
    result = subprocess.run(["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0
    section = result.stdout.split("Variables", 1)[1]
    return dict(re.findall(r"^  ([A-Z_]+) +(.*)$", section, re.M))


def documented_make_variables() -> set[str]:
    """NAME of every `make <target> NAME=...` and `NAME=... make` in the README and docs."""
    names: set[str] = set()
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for command in re.findall(r"make [a-z-]+(?: [A-Z_]+=\S*)+", text):
            names |= set(re.findall(r" ([A-Z_]+)=", command))
        names |= set(re.findall(r"\b([A-Z_]{2,})=\S* make\b", text))
    return names


def test_make_help_lists_every_variable_the_docs_use_aligned():
    listed = help_variables()
    documented = documented_make_variables()
    assert {"ENV", "TO", "FORMAT", "STATUS_FILE"} <= documented  # the scan finds them
    wanted = documented | {"V", "TO", "YES", "SECRET", "FORCE", "FAIL_ON_RISK", "STATUS_FILE", "TEST_ARGS", "PYTHON"}
    assert wanted <= set(listed), f"make help misses {sorted(wanted - set(listed))}"
    result = subprocess.run(["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True)
    rows = [line for line in result.stdout.split("Variables", 1)[1].splitlines() if re.match(r"  [A-Z_]+ ", line)]
    description_columns = {len(row) - len(row[2:].split(" ", 1)[1].lstrip()) for row in rows}
    assert len(description_columns) == 1, rows
    value_columns = {len(row[:88].rstrip()) <= 88 for row in rows}
    assert value_columns == {True}


def test_make_clean_keeps_the_kind_keys(tmp_path):
    """clean removes caches, never .cache/kind/ (the Kind age key and generated credentials)."""
    root = tmp_path / "repo"
    (root / ".cache/kind/doc-router").mkdir(parents=True)
    (root / ".cache/kind/doc-router/age.agekey").write_text("AGE-SECRET-KEY-1...")
    (root / ".cache/crd-schemas/x").mkdir(parents=True)
    (root / ".pytest_cache").mkdir()
    (root / "Makefile").write_text((REPO / "Makefile").read_text())
    (root / "requirements.txt").write_text("")
    (root / "pyproject.toml").write_text("")
    result = subprocess.run(["make", "--no-print-directory", "clean"], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert (root / ".cache/kind/doc-router/age.agekey").exists()
    assert not (root / ".cache/crd-schemas").exists() and not (root / ".pytest_cache").exists()
    assert "kept .cache/kind/" in result.stderr
