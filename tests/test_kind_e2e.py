"""End to end on a real Kind cluster: up → secrets → deploy → HTTP through the ingress → down.

Runs in `make test` and `make e2e`, and skips with a one-line reason unless Docker
answers and kind, kubectl and flux are installed. Every step has a time
limit, so a half-installed tool fails the test instead of hanging it. It uses its own
cluster (doc-router-e2e) and a scratch copy of dist/kind and clusters/kind.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.e2e
CLUSTER = "doc-router-e2e"
TOOLS = ("docker", "kind", "kubectl", "flux")
MINUTE = 60


def reason_to_skip() -> str | None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"needs {', '.join(missing)} on PATH"
    try:
        subprocess.run(["docker", "info"], capture_output=True, timeout=15, check=True)
    except (subprocess.SubprocessError, OSError):
        return "the Docker daemon does not answer (`docker info`)"
    if not (REPO / "clusters" / "kind").is_dir():
        return "clusters/kind is not synthesized in this checkout (make synth)"
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", 80)) == 0:
            return "port 80 is taken (another Kind cluster or web server?)"
    return None


def kind(root: Path, command: str, timeout_minutes: int, *extra: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "main.py"), "kind", command, "--cluster", CLUSTER, "--root", str(root), *extra],
        check=True,
        timeout=timeout_minutes * MINUTE,
        env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"},
    )


def wait_for_http_ok(url: str, timeout_minutes: int) -> None:
    deadline = time.monotonic() + timeout_minutes * MINUTE
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(5)
    pytest.fail(f"{url} did not answer 200 within {timeout_minutes} minutes (last: {last})")


def test_kind_loop_serves_the_app_through_the_ingress(tmp_path):
    reason = reason_to_skip()
    if reason:
        pytest.skip(f"Kind e2e: {reason}")
    root = tmp_path / "checkout"
    for folder in ("dist/kind", "clusters/kind"):
        shutil.copytree(REPO / folder, root / folder)
    (root / ".env.kind").write_text("ADMIN_EMAIL=e2e@example.com\nADMIN_PASSWORD=e2e-password\n")
    try:
        kind(root, "up", 10)
        kind(root, "secrets", 3)
        kind(root, "deploy", 25, "--timeout", "20m")
        wait_for_http_ok("http://localhost/", 5)
        wait_for_http_ok("http://localhost/fastapi/docs", 5)
    finally:
        kind(root, "down", 5)
