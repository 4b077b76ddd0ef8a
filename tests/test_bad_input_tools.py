"""Damaged input never makes synth, validate or diff print a traceback, run long or flood the terminal.

Each case asserts the exit code, one line naming environment/file and the fix, a bounded output size
and run time, and that dist/ and clusters/ are byte-identical afterwards. Most run in-process; a few
run the real `python main.py` where the exit code and the untouched tree are the point.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, copy_sources
from docrouter.config import load_environment
from docrouter_tools.review import diff_cli
from docrouter_tools.review.manifests import read_folder
from docrouter_tools.validate.engine import validate_environment

MAX_OUTPUT = 2000  # characters on stdout + stderr for one failing run
OUTSIDE_CONTENT = "TOPSECRET-outside-the-repository"


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for d in ("dist", "clusters")
        for p in sorted((root / d).rglob("*"))
        if p.is_file()
    }


def run_main(root: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "main.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    return result, time.monotonic() - started


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    return copy_sources(tmp_path_factory.mktemp("bad-input") / "clone")


STAGING = "environments/staging.yaml"
SYNTH_CASES = {
    "non-utf8": (
        STAGING,
        lambda t: t.replace(b"app_env: stage", b"app_env: st\xe9ge"),
        ["environment 'staging'", "staging.yaml", "byte 0xe9 at offset", "Fix: save the file as UTF-8"],
    ),
    "request-above-limit": (
        STAGING,
        lambda t: t.replace(b"requests: {cpu: 250m, memory: 512Mi}", b"requests: {cpu: 750m, memory: 512Mi}", 1),
        ["environment 'staging'", "field 'frontend.resources.requests.cpu'", "Fix: lower"],
    ),
    "wrong-extension": (
        "environments/qa.yml",
        lambda t: b"provider: aws\n",
        ["environments/qa.yml", "Fix: rename the file to qa.yaml"],
    ),
}


@pytest.mark.parametrize("path, damage, words", SYNTH_CASES.values(), ids=SYNTH_CASES.keys())
def test_synth_refuses_with_one_line_and_leaves_the_tree_alone(clone, path, damage, words):
    target = clone / path
    original = target.read_bytes() if target.exists() else None
    before = snapshot(clone)
    target.write_bytes(damage(original or b""))
    try:
        result, elapsed = run_main(clone, "synth")
    finally:
        target.write_bytes(original) if original is not None else target.unlink()
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Traceback" not in output and len(output) < MAX_OUTPUT, output[:3000]
    (line,) = [line for line in result.stderr.splitlines() if "Fix:" in line]
    assert all(word in line for word in words), line
    assert snapshot(clone) == before
    assert elapsed < 60


def test_validate_reports_a_broken_environment_file_and_checks_the_others(clone):
    target = clone / STAGING
    original = target.read_bytes()
    before = snapshot(clone)
    target.write_bytes(b"provider: digitalocean\napp_env: \xff\xfe\n")
    try:
        result, _ = run_main(clone, "validate", "--no-drift")
    finally:
        target.write_bytes(original)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = [line for line in result.stdout.splitlines() if "config/invalid" in line]
    assert (
        "environments/staging.yaml" in line and "byte 0xff at offset" in line and "Fix: save the file as UTF-8" in line
    )
    assert "== kind: " in result.stdout and "== production: " in result.stdout  # the others were still checked
    assert result.stdout.rstrip().endswith("validate: FAILED, 1 error in kind, production, staging")
    assert snapshot(clone) == before


# --- validate on damaged trees (in-process) ---------------------------------------------


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "repo"
    for folder in ("dist/kind", "clusters/kind"):
        shutil.copytree(REPO / folder, root / folder)
    (tmp_path / "outside.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata: {{k: {OUTSIDE_CONTENT}}}\n"
    )
    (tmp_path / "outside-dir").mkdir()
    (tmp_path / "outside-dir" / "leak.yaml").write_text(f"# {OUTSIDE_CONTENT}\n")
    return root


def findings(root: Path, with_drift: bool = False) -> list:
    started = time.monotonic()
    result = validate_environment(root, load_environment("kind"), with_drift=with_drift)
    assert time.monotonic() - started < 30
    assert not any(OUTSIDE_CONTENT in f"{f.message} {f.fix}" for f in result)
    return result


def test_a_symlinked_file_is_reported_and_never_read(tree):
    (tree / "dist/kind/apps/doc-router/configmap-leak.yaml").symlink_to(tree.parent / "outside.yaml")
    errors = {(f.rule, f.file) for f in findings(tree) if f.severity == "error"}
    assert ("parse/symlink", "dist/kind/apps/doc-router/configmap-leak.yaml") in errors


def test_a_symlinked_folder_is_reported_and_never_walked(tree):
    (tree / "clusters/kind/extra").symlink_to(tree.parent / "outside-dir", target_is_directory=True)
    errors = {(f.rule, f.file) for f in findings(tree) if f.severity == "error"}
    assert ("parse/symlink", "clusters/kind/extra") in errors
    assert not any("leak.yaml" in file for _, file in errors)


def test_a_kustomization_listing_a_file_outside_the_repository_is_refused(tree):
    kustomization = tree / "dist/kind/apps/kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + "- ../../../../outside.yaml\n")
    (finding,) = [f for f in findings(tree) if f.rule == "ref/kustomize-resource"]
    assert "outside the repository" in finding.message and finding.file == "dist/kind/apps/kustomization.yaml"


def test_a_symlink_replacing_a_generated_file_is_drift(tree):
    generated = tree / "clusters/kind/apps.yaml"
    generated.unlink()
    generated.symlink_to(tree.parent / "outside.yaml")
    drift = {(f.rule, f.file) for f in findings(tree, with_drift=True) if f.rule.startswith("drift/")}
    assert drift == {("drift/changed", "clusters/kind/apps.yaml")}


# --- diff on damaged revisions (in-process, on a throwaway git repository) ------------------


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def history(tmp_path, monkeypatch) -> Path:
    """A repository holding dist/kind; the working tree stands in for a fresh synth (read as synth's output is)."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "dist/kind", root / "dist/kind")
    git(root, "init", "-q", "-b", "main")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "empty")
    monkeypatch.setattr(diff_cli, "BackgroundSynth", WorkingTreeAsSynth)
    return root


class WorkingTreeAsSynth:
    """Stands in for diff's background synth: the working tree's dist/ is read as synth's output is."""

    def __init__(self, repo: Path, envs: tuple[str, ...] = ()) -> None:
        self.repo = repo

    def __enter__(self) -> WorkingTreeAsSynth:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def tree(self) -> dict[str, bytes]:
        return read_folder(self.repo / "dist", "dist")


def commit_all(root: Path) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "change")


def diff(root: Path, capsys, *, base: str = "HEAD", fail_on_risk: bool = False) -> tuple[int, str, str]:
    args = argparse.Namespace(
        repo=str(root), env=None, base=base, head=None, output="terminal", out=None, fail_on_risk=fail_on_risk
    )
    started = time.monotonic()
    code = diff_cli.run(args)
    assert time.monotonic() - started < 20
    out, err = capsys.readouterr()
    assert "Traceback" not in err and len(err) < MAX_OUTPUT
    return code, out, err


DEPLOYMENT = "dist/kind/apps/doc-router/deployment-frontend.yaml"
DAMAGED = {
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "holds binary data"),
    "non-utf8": (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n", "byte 0xe9 at offset 51"),
    "alias-bomb": (
        b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
        "alias *a",
    ),
    "invalid-yaml": (f"password: {OUTSIDE_CONTENT}\n  bad: [\n".encode(), "is not valid YAML"),
}


@pytest.mark.parametrize("content, words", DAMAGED.values(), ids=DAMAGED.keys())
@pytest.mark.parametrize("side", ["base", "head"])
def test_diff_names_a_damaged_file_at_either_revision(history, capsys, content, words, side):
    damaged = history / DEPLOYMENT
    if side == "base":
        damaged.write_bytes(content)
        commit_all(history)
        damaged.write_bytes((REPO / DEPLOYMENT).read_bytes())
    else:
        commit_all(history)
        damaged.write_bytes(content)
    code, out, err = diff(history, capsys)
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"diff failed: {DEPLOYMENT} ") and words in line and "Fix:" in line
    assert OUTSIDE_CONTENT not in err


def test_diff_survives_odd_shapes(history, capsys):
    commit_all(history)
    damaged = history / DEPLOYMENT
    damaged.write_text(
        damaged.read_text().replace("replicas: 1", "replicas: many").replace("maxSurge: 1", "maxSurge: lots")
    )
    code, out, _ = diff(history, capsys)
    assert code == 0 and "Deployment doc-router/frontend" in out


def test_diff_exit_codes_tell_an_error_from_a_risk(history, capsys):
    commit_all(history)
    (history / DEPLOYMENT).write_text((REPO / DEPLOYMENT).read_text().replace("replicas: 1", "replicas: 0"))
    assert diff(history, capsys)[0] == 0
    assert diff(history, capsys, fail_on_risk=True)[0] == 3
    assert diff(history, capsys, base="no-such-revision", fail_on_risk=True)[0] == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["diff", "-o", "html"], "argument -o/--output: invalid choice: 'html'"),
        (["kind"], "the following arguments are required: <kind command>"),  # no internal dest name
        (["validate", "--env", "nope"], "unknown environment 'nope' (known: kind, production, staging)"),
    ],
)
def test_a_usage_error_exits_2_distinct_from_risk_flags(capsys, argv, message):
    from docrouter.cli import build_parser

    with pytest.raises(SystemExit) as caught:
        build_parser(argv).parse_args(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "_command" not in err


def test_make_diff_passes_the_tools_exit_code_on(tmp_path):
    status = tmp_path / "status"
    result = subprocess.run(
        ["make", "--no-print-directory", "diff", "BASE=no-such-revision", f"STATUS_FILE={status}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2  # make can fail only with 2 ...
    assert status.read_text().strip() == "1"  # ... so the tool's own code (1 = error) is in STATUS_FILE
    assert "diff failed: unknown revision 'no-such-revision'" in result.stderr


def test_a_huge_value_in_a_manifest_gives_short_findings(tree):
    (tree / "dist/kind/apps/doc-router/configmap-huge.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: huge, namespace: doc-router}\n"
        f"data: {{key: [{'v' * 1_000_000}]}}\n"
    )
    result = findings(tree)
    assert {f.rule for f in result if f.severity == "error"} >= {"schema/invalid"}
    assert all(len(f"{f.message} {f.fix}") < 1000 for f in result)


def test_thousands_of_findings_do_not_flood_the_terminal(tree):
    from docrouter_tools.validate.report import as_text

    services = "".join(
        f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: doc-router}}\n"
        f"spec: {{selector: {{app: x{i}}}, ports: [{{port: 80}}]}}\n"
        for i in range(300)
    )
    (tree / "dist/kind/apps/doc-router/service-many.yaml").write_text(services)
    text = as_text({"kind": findings(tree)})
    assert "… and 280 more ref/service-selector findings (`-o json` lists all)" in text
    assert len(text.splitlines()) < 100
