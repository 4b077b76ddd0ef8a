"""`make kind-deploy` and `make kind-status`: Flux in the Kind cluster, fed from dist/kind.

dist/kind is pushed as an OCI artifact to the local registry under one tag; the
OCIRepository in clusters/kind follows that tag, so pushing again after a change
to dist/kind rolls it out.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from docrouter import constants as c
from docrouter.constants import KIND_SOURCE_NAME as SOURCE_NAME
from docrouter.preflight import PreflightError, require
from docrouter.runner import CommandError, probe, run
from docrouter_tools.kind.cluster import LOOP_TOOLS, require_cluster_context
from docrouter_tools.kind.workspace import ARTIFACT_URL, Workspace

KUSTOMIZATIONS = "kustomizations.kustomize.toolkit.fluxcd.io"
# How often the wait reports which Kustomizations are not Ready yet.
POLL_SECONDS = 10
_DURATION_PART = re.compile(r"(\d+)(h|m|s)")


def duration_seconds(text: str) -> int:
    """'15m', '90s', '1h30m' (a Go duration in whole h/m/s, as flux and kubectl spell --timeout) in seconds."""
    parts = _DURATION_PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"'{text}' is not a duration such as 15m, 90s or 1h30m")
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def deploy(ws: Workspace, timeout: str) -> None:
    """Everything after the preflight shares one deadline: `timeout` is the whole wait, not each step's."""
    deadline = time.monotonic() + duration_seconds(timeout)
    require(LOOP_TOOLS, docker_daemon=True)
    for folder, fix in ((ws.artifact_dir, "make synth"), (ws.flux_objects_dir, "make synth")):
        if not folder.is_dir():
            raise PreflightError(f"{folder} does not exist: run `{fix}` first")
    require_cluster_context(ws)
    if not probe(ws.kubectl("get", "secret", c.AGE_SECRET_NAME, "-n", c.FLUX_NAMESPACE, "-o", "name")).ok:
        raise PreflightError(f"secret {c.FLUX_NAMESPACE}/{c.AGE_SECRET_NAME} is missing: run `make kind-secrets` first")

    run(ws.flux("install", f"--version={c.FLUX_VERSION}"))
    source, revision = artifact_origin(ws)
    run(
        [
            "flux",
            "push",
            "artifact",
            ARTIFACT_URL,
            f"--path={ws.artifact_dir}",
            f"--source={source}",
            f"--revision={revision}",
        ]
    )
    run(ws.kubectl("apply", "-f", str(ws.flux_objects_dir)))
    run(
        ws.flux(
            "reconcile", "source", "oci", SOURCE_NAME, "-n", c.FLUX_NAMESPACE, f"--timeout={seconds_left(deadline)}s"
        )
    )
    # Ready alone could be the previous revision's: wait until every layer applied this one and is Ready.
    pushed = run(
        ws.kubectl(
            "get", "ocirepository", SOURCE_NAME, "-n", c.FLUX_NAMESPACE, "-o", "jsonpath={.status.artifact.revision}"
        ),
        capture=True,
    ).strip()
    wait_until_ready(ws, pushed, deadline, timeout)
    print(f"\ndoc-router is deployed to Kind cluster '{ws.cluster}' (revision {pushed}):")
    print("  app:      http://localhost")
    print("  API docs: http://localhost/fastapi/docs")
    print("Change something, `make synth`, then `make kind-deploy` again to roll it out.")


def seconds_left(deadline: float) -> int:
    return max(1, math.ceil(deadline - time.monotonic()))


def wait_until_ready(ws: Workspace, revision: str, deadline: float, timeout: str) -> None:
    """Poll the Kustomizations until all applied `revision` and are Ready; say which are not, and why."""
    while True:
        pending = not_ready(
            probe(ws.kubectl("get", KUSTOMIZATIONS, "-n", c.FLUX_NAMESPACE, "-o", "json")).stdout, revision
        )
        if not pending:
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise CommandError(
                f"Flux is not Ready after --timeout {timeout}: {'; '.join(pending)}. "
                "Fix: `make kind-status` shows the Kustomizations and pods; raise TIMEOUT= if it is "
                "only slow."
            )
        print(f"waiting ({math.ceil(left)}s left): {'; '.join(pending)}", flush=True)
        time.sleep(min(POLL_SECONDS, max(left, 0.1)))


def not_ready(listing: str, revision: str) -> list[str]:
    """One short line per Kustomization that has not applied `revision` or is not Ready."""
    try:
        items = json.loads(listing).get("items") or []
    except (ValueError, AttributeError):
        return ["the Kustomizations cannot be read yet"]
    if not items:
        return ["no Kustomization exists yet"]
    pending = []
    for item in items:
        name = item.get("metadata", {}).get("name", "?")
        status = item.get("status") or {}
        ready: dict = next((x for x in status.get("conditions") or [] if x.get("type") == "Ready"), {})
        why = " ".join(f"{ready.get('reason', '')}: {ready.get('message', '')}".split()).strip(": ")[:160]
        if status.get("lastAppliedRevision") != revision:
            pending.append(f"{name} has not applied {revision} yet" + (f" ({why})" if why else ""))
        elif ready.get("status") != "True":
            pending.append(f"{name} is not Ready ({why or 'no Ready condition yet'})")
    return pending


def artifact_origin(ws: Workspace) -> tuple[str, str]:
    """(--source, --revision) for flux push: the git remote and branch@sha1:commit, or 'local'."""
    git = ["git", "-C", str(ws.root)]
    commit = probe([*git, "rev-parse", "HEAD"])
    if not commit.ok:
        return "local", f"local@sha1:{content_digest(ws.artifact_dir)}"
    remote = probe([*git, "remote", "get-url", "origin"])
    branch = probe([*git, "rev-parse", "--abbrev-ref", "HEAD"]).stdout.strip() or "local"
    source = without_credentials(remote.stdout.strip()) if remote.ok and remote.stdout.strip() else "local"
    return source, f"{branch}@sha1:{commit.stdout.strip()}"


def without_credentials(url: str) -> str:
    """The remote URL without user:token@, which would otherwise be printed, sit in the process
    list and be stored in the OCI artifact's metadata (`https://x-access-token:…@github.com/…`)."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url  # scp-like `git@github.com:org/repo.git` names a user, not a credential
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def content_digest(folder: Path) -> str:
    digest = hashlib.sha1()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def status(ws: Workspace) -> None:
    require(("kubectl", "flux"))
    require_cluster_context(ws)
    run(ws.flux("get", "kustomizations", "-n", c.FLUX_NAMESPACE))
    run(ws.flux("get", "helmreleases", "--all-namespaces"))
    run(ws.kubectl("get", "pods", "--all-namespaces"))
