"""Hostile input to the command-line tools: arguments are data, readers never block, work is bounded.

Reproductions from issue 23 ("Commands and files"): shell and option injection through the values
make passes on, report --out aimed at the repository's own files, a FIFO or a /dev/zero link in dist/,
a path_regex that backtracks forever, numbers and nesting Python cannot convert, values the API
refuses, and terminal escape sequences in commit subjects and object names. Each ends in one clear
line (or a clean finding) and touches nothing outside the expected place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, edit_environment, refused_environment
from docrouter.config import load_environment
from docrouter.output import emit, printable, report_target_problem
from docrouter.preflight import PreflightError
from docrouter.sops_rules import matching_rule
from docrouter_tools.netflow.stages import read_tree
from docrouter_tools.review.manifests import read_folder
from docrouter_tools.validate.engine import validate_environment

MAX_OUTPUT = 2000


def run_main(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


def one_line(result: subprocess.CompletedProcess, code: int, *words: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == code and "Traceback" not in output and len(output) < MAX_OUTPUT, output
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("+ ")]
    assert len(lines) == 1 and all(word in lines[0] for word in words), lines


# --- arguments are data -------------------------------------------------------------------
# The same values through make (`make rollback ENV=staging TO='...'`) must reach the tool unchanged:
# issue 24 passes make variables through the environment; these are the tool's side of that contract.

INJECTED = ["`touch {marker}`", "$(touch {marker})", "HEAD;touch {marker}", "HEAD && touch {marker}"]


@pytest.fixture(scope="module")
def committed(tmp_path_factory) -> Path:
    """A clean repository with one commit of dist/staging (rollback refuses a dirty working tree)."""
    root = tmp_path_factory.mktemp("committed") / "repo"
    shutil.copytree(REPO / "dist/staging", root / "dist/staging")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "staging")
    return root


@pytest.mark.parametrize("template", INJECTED)
def test_rollback_treats_to_as_a_revision_name_only(committed, tmp_path, template):
    marker = tmp_path / "injected"
    result = run_main("rollback", "--env", "staging", "--to", template.format(marker=marker), "--repo", str(committed))
    one_line(result, 1, "unknown revision", "make history ENV=staging")
    assert not marker.exists()


@pytest.mark.parametrize("option", ["--base", "--head"])
@pytest.mark.parametrize("template", [*INJECTED, "--output={marker}"])
def test_diff_treats_base_and_head_as_revision_names_only(tmp_path, option, template):
    marker = tmp_path / "injected"
    result = run_main("diff", f"{option}={template.format(marker=marker)}")
    one_line(result, 1, "unknown revision")
    assert not marker.exists()


def test_a_report_path_with_shell_syntax_is_just_a_file_name(tmp_path):
    marker = tmp_path / "injected"
    out = tmp_path / f"$(touch {marker.name}) `touch {marker.name}`.txt"
    result = run_main("history", "--env", "staging", "--out", str(out))
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr
    assert not marker.exists() and not (REPO / marker.name).exists()


@pytest.mark.parametrize("value", ["staging;touch x", "$(touch x)", "../staging"])
def test_an_environment_name_is_checked_before_anything_runs(value):
    result = run_main("synth", "--env", value)
    assert result.returncode == 2 and "unknown environment" in result.stderr and "Traceback" not in result.stderr


# --- report --out never replaces the repository -------------------------------------------


@pytest.mark.parametrize(
    "target, words",
    [
        ("dist/kind/apps/kustomization.yaml", "inside the repository's own dist/"),
        ("clusters/staging/apps.yaml", "inside the repository's own clusters/"),
        ("environments/staging.yaml", "inside the repository's own environments/"),
        (".sops.yaml", "inside the repository's own .sops.yaml"),
        ("dist", "exists and is not a regular file"),
    ],
)
def test_report_out_refuses_the_repositorys_own_files(target, words):
    problem = report_target_problem(str(REPO / target))
    assert problem is not None and words in problem


def test_report_out_refuses_a_symlink_and_writes_nothing_through_it(tmp_path, capsys):
    victim = tmp_path / "victim.yaml"
    victim.write_text("kept\n")
    link = tmp_path / "report.md"
    link.symlink_to(victim)
    assert emit("report\n", str(link), "validate") == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"validate failed: --out {link} is a symbolic link") and "Fix:" in line
    assert victim.read_text() == "kept\n"


def test_validate_out_into_dist_is_refused_by_the_command(tmp_path):
    target = REPO / "dist/kind/apps/kustomization.yaml"
    before = target.read_bytes()
    result = run_main("validate", "--env", "kind", "--no-drift", "--out", str(target))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "inside the repository's own dist/" in result.stderr
    assert target.read_bytes() == before


# --- readers of committed trees never block or fill memory --------------------------------


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "repo"
    for folder in ("dist/kind", "clusters/kind"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def finishes(function, seconds: float = 30):
    """function's result, failing (instead of hanging the suite) when it does not return in time."""
    box: dict = {}

    def call() -> None:
        try:
            box["value"] = function()
        except Exception as exc:  # noqa: BLE001 - handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"{function} did not finish in {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero-link"])
def test_a_fifo_or_a_link_to_dev_zero_in_dist_is_reported_and_never_read(tree, kind):
    path = tree / "dist/kind/apps/doc-router/configmap-trap.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    found = finishes(lambda: validate_environment(tree, load_environment("kind"), with_drift=False))
    rules = {(f.rule, f.file) for f in found if f.severity == "error"}
    expected = "parse/unreadable" if kind == "fifo" else "parse/symlink"
    assert (expected, "dist/kind/apps/doc-router/configmap-trap.yaml") in rules
    assert "dist/kind/apps/doc-router/configmap-trap.yaml" not in finishes(lambda: read_tree(tree, "kind"))
    assert "dist/apps/doc-router/configmap-trap.yaml" not in finishes(lambda: read_folder(tree / "dist/kind", "dist"))


def test_a_fifo_as_environment_file_is_one_line(env_dir):
    os.mkfifo(env_dir / "qa.yaml")
    with pytest.raises(Exception) as caught:
        finishes(lambda: load_environment("qa", env_dir))
    assert "is not a regular file" in str(caught.value) and "Fix:" in str(caught.value)


# --- bounded work ---------------------------------------------------------------------------


def test_a_backtracking_path_regex_is_stopped_with_one_line(tmp_path):
    rules = {"creation_rules": [{"path_regex": "^(a+)+$", "encrypted_regex": "^data$", "age": "age1x"}]}
    (tmp_path / ".sops.yaml").write_text(yaml.safe_dump(rules))
    started = time.monotonic()
    with pytest.raises(PreflightError) as caught:
        matching_rule(tmp_path, "a" * 40 + "!")
    assert time.monotonic() - started < 10
    assert "takes more than 3 s to match" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda d: d["backend"].update(replicas=int("9" * 4400)), "holds a number YAML cannot convert"),
        (lambda d: d.update(cors_origins_extra=[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]), "nests values more than"),
    ],
    ids=["4400-digit-integer", "deep-nesting"],
)
def test_numbers_and_nesting_python_cannot_handle_give_one_line(env_dir, change, words):
    import sys as _sys

    limit = _sys.get_int_max_str_digits()
    _sys.set_int_max_str_digits(0)  # only to write the file; the loader runs with Python's default limit
    try:
        edit_environment(env_dir, "staging", change)
    finally:
        _sys.set_int_max_str_digits(limit)
    with pytest.raises(Exception) as caught:
        load_environment("staging", env_dir)
    message = str(caught.value)
    assert "environment 'staging'" in message and words in message and "Fix:" in message and len(message) < 400


def test_4900_deep_brackets_give_one_line(env_dir):
    path = env_dir / "staging.yaml"
    path.write_text(path.read_text() + "extra: " + "[" * 4900 + "]" * 4900 + "\n")
    with pytest.raises(Exception) as caught:
        load_environment("staging", env_dir)
    assert "nests values more than" in str(caught.value) or "nested too deeply" in str(caught.value)


def test_ten_thousand_tiny_documents_validate_quickly(tree):
    documents = "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: doc-router}}\ndata: {{k: v}}\n"
        for i in range(10_000)
    )
    (tree / "dist/kind/apps/doc-router/configmap-many.yaml").write_text(documents)
    started = time.process_time()  # CPU time: other processes on a shared machine do not count
    found = finishes(lambda: validate_environment(tree, load_environment("kind"), with_drift=False), 180)
    used = time.process_time() - started
    assert any(f.rule == "ref/kustomize-unlisted" for f in found)
    assert used < 15, f"{used:.1f} s of CPU (38 s before libyaml read each shallow document)"


# --- values the real API or provider refuses --------------------------------------------


@pytest.mark.parametrize(
    "change, field, words",
    [
        (
            lambda d: d["frontend"].update(replicas=3_000_000_000),
            "frontend.replicas",
            "less than or equal to 2147483647",
        ),
        (lambda d: d.update(acme_email="a" * 250_000 + "@example.org"), "acme_email", "at most 254 characters"),
        (lambda d: d["s3"].update(bucket="../../etc"), "s3.bucket", "not a valid S3 bucket name"),
        (lambda d: d["s3"].update(bucket="my..bucket"), "s3.bucket", "no two adjacent periods"),
        (lambda d: d["s3"].update(bucket="192.168.1.10"), "s3.bucket", "not formatted as an IP address"),
        (lambda d: d["s3"].update(bucket="xn--bucket"), "s3.bucket", "must not start with 'xn--'"),
        (lambda d: d["s3"].update(bucket="data--ol-s3"), "s3.bucket", "must not end with '--ol-s3'"),
        (lambda d: d["ingress"].update(host="a" * 64 + ".example.org"), "ingress.host", "should match pattern"),
    ],
)
def test_values_the_api_or_provider_refuses_are_refused_first(env_dir, change, field, words):
    message = refused_environment(env_dir, "staging", change)
    assert f"field '{field}'" in message and words in message and "Fix:" in message and len(message) < 600


# --- nothing from the repository reaches the terminal raw -----------------------------------


def test_control_characters_from_the_repository_are_made_visible():
    hostile = "fix\x1b]0;owned\x07 \x1b[2J\x1b[8mhidden\r\x9b31m \u202egnp.exe"
    assert printable(hostile) == "fix?]0;owned? ?[2J?[8mhidden??31m ?gnp.exe"
    assert printable("\x1b[31mred\x1b[0m\tand\nok") == "\x1b[31mred\x1b[0m\tand\nok"  # our colours stay


def git(root: Path, *args: str) -> str:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    return subprocess.run(["git", *identity, *args], cwd=root, check=True, capture_output=True, text=True).stdout


def test_history_prints_a_commit_subject_without_its_escape_sequences(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(REPO / "dist/staging", root / "dist/staging")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "deploy\x1b]0;pwned\x07\x1b[2J done")
    result = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "history", "--env", "staging", "--repo", str(root)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "deploy?]0;pwned??[2J done" in result.stdout


def test_diff_prints_an_object_name_without_its_escape_sequences(tmp_path, capsys):
    from docrouter_tools.review.core import diff_manifests
    from docrouter_tools.review.render_terminal import render_terminal
    from review_trees import APPS, add, production

    hostile = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x\x1b[2Jy", "namespace": "doc-router"}}
    report = diff_manifests(production(), add(production(), f"{APPS}/configmap-x.yaml", hostile))
    assert emit(render_terminal(report), None, "diff") == 0
    out = capsys.readouterr().out
    assert "x?[2Jy" in out and "\x1b[2J" not in out


# The same values through make: the Makefile passes variables to the tools through the environment.
@pytest.mark.parametrize(
    "variables",
    [
        ["rollback", "ENV=staging", "TO=`touch {marker}`"],
        ["rollback", "ENV=staging", "TO=$$(touch {marker})"],
        ["diff", "BASE=HEAD;touch {marker}"],
        ["diff", "HEAD=$$(touch {marker})"],
        ["validate", "ENV=kind", "OUT=$$(touch {marker})"],
    ],
    ids=["rollback-backticks", "rollback-dollar", "diff-base-semicolon", "diff-head-dollar", "validate-out"],
)
def test_make_passes_values_to_the_tool_as_data(tmp_path, variables):
    marker = tmp_path / "injected"
    result = subprocess.run(
        ["make", "--no-print-directory", *(v.format(marker=marker) for v in variables), "STATUS_FILE="],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in result.stderr
    assert not marker.exists()
