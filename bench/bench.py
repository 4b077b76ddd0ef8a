"""`make bench`: wall time and peak memory of each command, as ratios to the cdk8s floor, in one run.

The floor is a Python process that imports cdk8s and synthesizes one ConfigMap: the least any synth can
cost on this machine. Ratios measured in the same run cancel most of a machine's (and a shared machine's
current load's) speed. Peak memory is the largest sum of the resident memory of the command and all its
descendants (Node included), sampled from /proc in a separate run of each case: the sampler costs CPU,
and on a 2-core machine it would slow a command that uses both cores (validate, diff) but not the
single-core floor, biasing the ratios. Writes bench/results.json (git-ignored); not a test:
it reports misses, and exits 1 only when a command fails.

BENCH_RUNS=<n> sets the runs per case (default 3, the median is reported).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
FLOOR = (
    "import cdk8s\napp = cdk8s.App()\nchart = cdk8s.Chart(app, 'floor')\n"
    "cdk8s.ApiObject(chart, 'cm', api_version='v1', kind='ConfigMap')\napp.synth_yaml()\n"
)
# Issue 14's targets, as ratios to the floor (time) or MiB (memory).
TARGETS = {
    "synth-all": 2.0,
    "per-extra-env": 0.15,
    "synth-50": 9.0,
    "validate": 2.0,
    "diff-base-head": 3.0,
    "history": 0.5,
}
MEMORY_TARGET_MIB = {"synth-all": 250}
PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_rss(root: int) -> int:
    """Resident bytes of root and every descendant right now (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            statm = Path(f"/proc/{entry.name}/statm").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = int(statm.split()[1]) * PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(argv: list[str], cwd: Path, *, sample_memory: bool) -> tuple[float, int]:
    """(seconds, peak bytes or 0) of one run; a failing command stops the benchmark with its output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # ALLOW_OUTSIDE_REPO: synth --out writes into the scratch folder, outside the checkout.
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "ALLOW_OUTSIDE_REPO": "1"},
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True) if sample_memory else None
    if sampler:
        sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    if sampler:
        sampler.join()
    if process.returncode not in (0,):
        raise SystemExit(f"bench: `{' '.join(argv)}` exited {process.returncode}:\n{(out + err)[-2000:]}")
    return elapsed, peak


def copy_with_environments(root: Path, count: int) -> Path:
    """A copy of the sources with `count` generated environments (copies of kind) beside the real ones."""
    root.mkdir(parents=True)
    for name in ("main.py", "pyproject.toml", ".sops.yaml", "constructs", "environments", "secrets"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, root / name)
    environments = root / "environments"
    for index in range(count):
        shutil.copy2(environments / "kind.yaml", environments / f"bench-{index:02d}.yaml")
    return root


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    scratch = Path(tempfile.mkdtemp(prefix="docrouter-bench-"))
    try:
        base_envs = len(list((REPO / "environments").glob("*.yaml")))
        synth_out = ["synth", "--out", str(scratch / "out/dist"), "--clusters-out", str(scratch / "out/clusters")]
        cases = {
            "floor": ([PY, "-c", FLOOR], REPO),
            "synth-all": ([PY, "main.py", *synth_out], REPO),
            "synth-10": ([PY, "main.py", *synth_out], copy_with_environments(scratch / "ten", 10 - base_envs)),
            "synth-50": ([PY, "main.py", *synth_out], copy_with_environments(scratch / "fifty", 50 - base_envs)),
            "validate": ([PY, "main.py", "validate"], REPO),
            "diff-base-head": ([PY, "main.py", "diff", "--base", "HEAD"], REPO),
            "diff-two-commits": ([PY, "main.py", "diff", "--base", "HEAD~1", "--head", "HEAD"], REPO),
            "history": ([PY, "main.py", "history", "--env", "production"], REPO),
        }
        samples: dict[str, list[tuple[float, int]]] = {name: [] for name in cases}
        # Timed runs interleaved, so a burst of load on a shared machine hits every case alike; then
        # one run per case that samples memory (its time is not counted).
        for run in range(runs + 1):
            for name, (argv, cwd) in cases.items():
                # Every synth writes into an empty folder: a repeated synth would find its files
                # unchanged and skip writing them, which is faster than what a changed tree costs.
                shutil.rmtree(scratch / "out", ignore_errors=True)
                samples[name].append(measure(argv, cwd, sample_memory=run == runs))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    def median_seconds(name: str) -> float:
        return statistics.median(seconds for seconds, _ in samples[name][:runs])

    floor = median_seconds("floor")
    results = {
        name: {
            "median_seconds": round(median_seconds(name), 3),
            "ratio": round(median_seconds(name) / floor, 2),
            "peak_mib": round(samples[name][runs][1] / 2**20, 1),
        }
        for name in samples
    }
    extra = (results["synth-50"]["median_seconds"] - results["synth-10"]["median_seconds"]) / 40
    results["per-extra-env"] = {"median_seconds": round(extra, 3), "ratio": round(extra / floor, 3)}
    for name, target in TARGETS.items():
        results[name] |= {"target_ratio": target, "met": results[name]["ratio"] <= target}
    for name, target in MEMORY_TARGET_MIB.items():
        results[name] |= {"target_peak_mib": target, "memory_met": results[name]["peak_mib"] <= target}

    print(f"{'case':<18} {'median s':>9} {'x floor':>8} {'peak MiB':>9}  target")
    for name, row in results.items():
        verdict = f"<= {row['target_ratio']}x {'ok' if row['met'] else 'MISSED'}" if "target_ratio" in row else ""
        if "target_peak_mib" in row:
            verdict += f", <= {row['target_peak_mib']} MiB {'ok' if row['memory_met'] else 'MISSED'}"
        peak = f"{row['peak_mib']:>9}" if "peak_mib" in row else f"{'':>9}"
        print(f"{name:<18} {row['median_seconds']:>9} {row['ratio']:>8} {peak}  {verdict}")
    document = {
        "runs": runs,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "git_head": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip(),
        "results": results,
    }
    (REPO / "bench/results.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print("written bench/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
