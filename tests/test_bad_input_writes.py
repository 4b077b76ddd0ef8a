"""Synth writes all or nothing, one run at a time, only where it may (issue 23, "Commands and files").

In-process cases drive the transaction directly (a failure or an interrupt in the middle, a run
killed between journal and swap); the command-line cases run the real `python main.py synth` in a
fresh copy of the repository where the exit code, the one line and the untouched tree are the point.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, copy_sources
from docrouter.cli import terminate_like_interrupt
from docrouter.synthesis import synth as synth_module
from docrouter.synthesis import transaction as transaction_module
from docrouter.synthesis.transaction import Transaction, output_lock, recover, write_files

MAX_OUTPUT = 2000


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_main(root: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ALLOW_OUTSIDE_REPO", "ALLOW_SHRINK")}
    environ |= {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **extra}
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=root, env=environ, capture_output=True, text=True, timeout=300
    )


def one_line(result: subprocess.CompletedProcess, *words: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output and len(output) < MAX_OUTPUT, output
    (line,) = [line for line in result.stderr.splitlines() if "Fix:" in line]
    assert all(word in line for word in words), line
    return line


# --- the transaction --------------------------------------------------------------------


def two_environments(tmp_path: Path) -> tuple[Path, Path]:
    dist = tmp_path / "dist"
    write_files(dist / "kind", {"apps/a.yaml": "old kind\n"})
    write_files(dist / "staging", {"apps/a.yaml": "old staging\n"})
    return dist / "kind", dist / "staging"


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failure_while_writing_the_second_environment_leaves_both_untouched(tmp_path, monkeypatch, failure):
    kind, staging = two_environments(tmp_path)
    before = snapshot(tmp_path)
    real_write = transaction_module.write_files

    def fail_on_second(folder: Path, files: dict) -> None:
        if folder.name == "1":  # the second environment's staging folder
            raise failure
        real_write(folder, files)

    monkeypatch.setattr(synth_module, "write_files", fail_on_second)
    transaction = Transaction((kind.parent,))
    with pytest.raises(type(failure)):
        try:
            synth_module.write_files(transaction.staging(kind), {"apps/a.yaml": "new kind\n"})
            synth_module.write_files(transaction.staging(staging), {"apps/a.yaml": "new staging\n"})
            transaction.commit()
        except BaseException:
            transaction.abandon()
            raise
    assert snapshot(tmp_path) == before and not list(kind.parent.glob(".synth-*"))


def test_both_environments_are_swapped_in_together(tmp_path):
    kind, staging = two_environments(tmp_path)
    transaction = Transaction((kind.parent,))
    write_files(transaction.staging(kind), {"apps/a.yaml": "new kind\n"})
    write_files(transaction.staging(staging), {"apps/b.yaml": "new staging\n"})
    transaction.remove(kind.parent / "retired")
    transaction.commit()
    assert snapshot(tmp_path) == {"dist/kind/apps/a.yaml": b"new kind\n", "dist/staging/apps/b.yaml": b"new staging\n"}


def test_a_run_killed_after_its_journal_is_finished_by_the_next_run(tmp_path, monkeypatch):
    kind, staging = two_environments(tmp_path)
    transaction = Transaction((kind.parent,))
    write_files(transaction.staging(kind), {"apps/a.yaml": "new kind\n"})
    write_files(transaction.staging(staging), {"apps/a.yaml": "new staging\n"})
    swaps: list[Path] = []

    def killed_after_first(staged: Path, target: Path) -> None:
        if swaps:
            raise SystemExit("killed")  # stands in for SIGKILL between two swaps
        swaps.append(target)
        real_replace(staged, target)

    real_replace = transaction_module._replace
    monkeypatch.setattr(transaction_module, "_replace", killed_after_first)
    with pytest.raises(SystemExit):
        transaction.commit()
    monkeypatch.setattr(transaction_module, "_replace", real_replace)
    assert (kind / "apps/a.yaml").read_text() == "new kind\n" and (
        staging / "apps/a.yaml"
    ).read_text() == "old staging\n"
    (line,) = recover((kind.parent,))
    assert line.startswith("finished the swap an interrupted synth left in")
    assert snapshot(tmp_path) == {"dist/kind/apps/a.yaml": b"new kind\n", "dist/staging/apps/a.yaml": b"new staging\n"}


def test_an_unfinished_staging_folder_without_journal_is_removed(tmp_path):
    kind, _ = two_environments(tmp_path)
    before = snapshot(tmp_path)
    write_files(kind.parent / ".synth-deadbeef/0", {"apps/a.yaml": "half\n"})
    (line,) = recover((kind.parent,))
    assert "removed the unfinished output" in line and snapshot(tmp_path) == before


def test_a_second_synth_waits_for_the_lock(tmp_path, capfd):
    code = (
        "import sys, time; sys.path.insert(0, 'constructs');"
        "from pathlib import Path; from docrouter.synthesis.transaction import output_lock\n"
        f"with output_lock(Path({str(tmp_path)!r})):\n    print('locked', flush=True); time.sleep(2)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    with output_lock(tmp_path):
        waited = time.monotonic() - started
    holder.wait(timeout=10)
    assert waited > 0.5 and "waiting for another synth writing" in capfd.readouterr().err


def test_sigterm_and_sighup_unwind_like_ctrl_c():
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        terminate_like_interrupt()
        for signum in previous:
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signum)
                time.sleep(1)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# --- the command line -------------------------------------------------------------------


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    return copy_sources(tmp_path_factory.mktemp("writes") / "clone")


def test_synth_out_refuses_a_folder_holding_sources(clone):
    before = snapshot(clone / "constructs")
    result = run_main(clone, "synth", "--env", "kind", "--out", "tools/docrouter_tools")
    one_line(result, "--out tools/docrouter_tools", "was not written by synth", "Fix: choose an empty folder")
    assert snapshot(clone / "constructs") == before


def test_synth_out_refuses_a_folder_outside_the_repository_unless_allowed(clone, tmp_path):
    outside = tmp_path / "elsewhere"
    result = run_main(clone, "synth", "--env", "kind", "--out", str(outside))
    one_line(result, "is outside the repository", "ALLOW_OUTSIDE_REPO=1")
    assert not outside.exists()
    result = run_main(clone, "synth", "--env", "kind", "--out", str(outside), ALLOW_OUTSIDE_REPO="1")
    assert result.returncode == 0, result.stderr
    assert snapshot(outside / "kind") == snapshot(REPO / "dist/kind")


def test_two_synths_at_once_both_finish_with_the_full_tree(clone):
    target = clone / "dist/staging"
    (target / "apps").rename(clone / "moved-away")  # both runs have something to write
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    runs = [
        subprocess.Popen(
            [sys.executable, "main.py", "synth", "--env", "staging"],
            cwd=clone,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), results
    assert snapshot(target) == snapshot(REPO / "dist/staging")
    assert not list((clone / "dist").glob(".synth-*")) and not list((clone / "clusters").glob(".synth-*"))


def test_a_deleted_environment_is_removed_only_with_allow_shrink(tmp_path):
    root = copy_sources(tmp_path / "clone")
    (root / "environments/staging.yaml").unlink()
    before = snapshot(root / "dist") | snapshot(root / "clusters")
    result = run_main(root, "synth")
    one_line(result, "environment 'staging'", "its environment file is gone", "dist/staging/ and clusters/staging/")
    assert snapshot(root / "dist") | snapshot(root / "clusters") == before
    result = run_main(root, "synth", ALLOW_SHRINK="1")
    assert result.returncode == 0, result.stderr
    assert f"removed {root / 'dist' / 'staging'}" in result.stdout
    assert not (root / "dist/staging").exists() and not (root / "clusters/staging").exists()
    assert (root / "dist/production").is_dir() and (root / "clusters/production").is_dir()


def test_an_interrupt_at_the_rollback_prompt_leaves_nothing_staged(tmp_path):
    """SIGTERM arrives as KeyboardInterrupt (terminate_like_interrupt); rollback must reset what it restored."""
    from conftest import SYNTH_SOURCES
    from docrouter_tools.review.rollback import rollback

    root = copy_sources(tmp_path / "repo", (".gitignore", *SYNTH_SOURCES))
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*identity, "commit", "-q", "-m", "initial"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    config = root / "environments/production.yaml"
    config.write_text(config.read_text().replace("replicas: 2", "replicas: 3", 1))
    assert run_main(root, "synth", ALLOW_SHRINK="1").returncode == 0
    for args in (["add", "-A"], [*identity, "commit", "-q", "-m", "scale"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    def interrupted(report: object) -> bool:
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout
        assert status  # the old revision is restored while the prompt waits ...
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rollback(root, "production", "1", interrupted)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout
    assert status == ""  # ... and nothing is left staged or changed after the interrupt


def test_leftovers_of_the_old_per_environment_swap_are_recovered(tmp_path):
    dist = tmp_path / "dist"
    write_files(dist / ".kind.synth-old", {"apps/a.yaml": "old kind\n"})  # killed between its two renames
    write_files(dist / ".staging.synth-new", {"apps/a.yaml": "half\n"})
    write_files(dist / "staging", {"apps/a.yaml": "staging\n"})
    lines = recover((dist,))
    assert len(lines) == 2 and snapshot(tmp_path) == {
        "dist/kind/apps/a.yaml": b"old kind\n",
        "dist/staging/apps/a.yaml": b"staging\n",
    }
