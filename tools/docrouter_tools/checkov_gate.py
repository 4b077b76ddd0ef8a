"""`make checkov`: checkov on every dist/<env>, failing on any finding docs/checkov.md does not explain.

checkov (PyPI, pinned with hashes in requirements-checkov.txt) scans the plain manifests; it does
not look inside HelmReleases, whose charts are held to Pod Security by their namespaces
(platform/controller_security.py). Each documented failure says why it stays, on which objects.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from docrouter.paths import REPO_ROOT

CHECKOV_VARIABLE = "CHECKOV"  # the checkov executable (make checkov sets it to .cache/checkov's)
APP_WORKLOADS = ("Deployment.doc-router.frontend", "Deployment.doc-router.backend", "Deployment.doc-router.worker")
MIGRATION_JOB_PREFIX = "Job.doc-router.migrate-"


@dataclass(frozen=True)
class Documented:
    check_id: str
    name: str
    why: str

    def covers(self, resource: str) -> bool:
        return resource in APP_WORKLOADS or resource.startswith(MIGRATION_JOB_PREFIX)


DOCUMENTED = (
    Documented(
        "CKV_K8S_43",
        "Image should use digest",
        "no digest of the doc-router release is recorded yet; an environment pins one with "
        "`image_tag: vX.Y.Z@sha256:…` (docs/environments.md) and the finding goes away there",
    ),
    Documented(
        "CKV_K8S_35",
        "Prefer using secrets as files over secrets as environment variables",
        "doc-router reads every setting from its environment (envFrom doc-router-secrets); it has no "
        "file-based secret loading. The pods mount no service-account token and enforce restricted",
    ),
    Documented(
        "CKV_K8S_40",
        "Containers should run as a high UID to avoid host conflict",
        "the app runs as uid 1000, the owner of the images' files (`node` in the frontend image); a clash "
        "with a host user matters only through host mounts, which restricted Pod Security forbids",
    ),
)


def failures(env: str, checkov: str, root: Path = REPO_ROOT) -> list[tuple[str, str, str]]:
    """(check id, resource, file) of every failed check on dist/<env>."""
    command = [checkov, "-d", str(root / "dist" / env), "--framework", "kubernetes"]
    command += ["--quiet", "--compact", "--skip-download", "-o", "json"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        reports = json.loads(result.stdout or "null")
    except json.JSONDecodeError:
        reports = None
    if reports is None or result.returncode not in (0, 1):
        raise RuntimeError(f"checkov on dist/{env} gave no report (exit {result.returncode}): {result.stderr[-300:]}")
    reports = reports if isinstance(reports, list) else [reports]
    return [
        (f["check_id"], f["resource"], f["file_path"])
        for report in reports
        if isinstance(report, dict) and "results" in report
        for f in report["results"]["failed_checks"]
    ]


def unexplained(found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    by_id = {d.check_id: d for d in DOCUMENTED}
    return [f for f in found if f[0] not in by_id or not by_id[f[0]].covers(f[1])]


def docs_table() -> str:
    rows = ["| check | what it asks | where | why it stays |", "| --- | --- | --- | --- |"]
    where = "frontend, backend, worker, the migration Job"
    rows += [f"| `{d.check_id}` | {d.name} | {where} | {d.why} |" for d in DOCUMENTED]
    return "\n".join(rows)


def main(environments: list[str]) -> int:
    from docrouter.config import environment_names

    checkov = os.environ.get(CHECKOV_VARIABLE, "checkov")
    unknown = [env for env in environments if env not in environment_names()]
    if unknown:  # a name becomes a path under dist/: only environments that exist
        known = ", ".join(environment_names())
        print(f"checkov: unknown environment {unknown[0][:63]!r} (known: {known})", file=sys.stderr)
        return 2
    status = 0
    for env in environments or environment_names():
        found = failures(env, checkov)
        for check_id, resource, path in unexplained(found):
            print(f"{env}: {check_id} on {resource} ({path}) is not explained in docs/checkov.md", file=sys.stderr)
            status = 1
        print(f"{env}: checkov found {len(found)} failed checks, {len(unexplained(found))} unexplained")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
