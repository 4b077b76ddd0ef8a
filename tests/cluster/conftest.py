"""The cluster tier: a real control plane, started once per test run (see docs/testing.md).

Every test here runs as one pytest-xdist work unit (tests/conftest.py, pytest_xdist_make_scheduler),
so one worker starts the control plane and runs the tier while the others run the rest of the suite.
Without the binaries the whole tier is skipped with one line; with CONTROL_PLANE_REQUIRED=1 (.ci/run)
that is a failure instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.controlplane import (
    CLUSTER_BINARIES,
    ENVTEST_BINARIES,
    HOW_TO_GET,
    ControlPlane,
    find_binaries,
)
from cluster.environments import Cluster

BINARIES = find_binaries()
MISSING = [name for name in (*ENVTEST_BINARIES, *CLUSTER_BINARIES, "kwok.yaml") if name not in BINARIES]
REQUIRED = os.environ.get("CONTROL_PLANE_REQUIRED") == "1"

MESSAGE = f"cluster tier: no {', '.join(MISSING)}: {HOW_TO_GET}"

_planes: list[ControlPlane] = []


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """Without the binaries only test_cluster_binaries.py is collected: one skip line (a failure under
    CONTROL_PLANE_REQUIRED=1) instead of one per test."""
    if MISSING and collection_path.name.startswith("test_") and collection_path.name != "test_cluster_binaries.py":
        return True
    return None


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    plane = ControlPlane(BINARIES, tmp_path_factory.mktemp("control-plane"))
    _planes.append(plane)
    try:
        plane.start_api()
        plane.start_cluster()
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def cluster(control_plane: ControlPlane) -> Cluster:
    return Cluster(control_plane)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """A failing tier test carries the tail of every component's log; the full logs stay on disk."""
    report = yield
    if report.failed and _planes:
        for name in _planes[0].processes:
            log = _planes[0].log(name)
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) if log.exists() else ""
            report.sections.append((f"{name} log ({log})", tail))
    return report
