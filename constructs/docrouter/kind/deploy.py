"""`make kind-deploy` and `make kind-status`: Flux in the Kind cluster, fed from dist/kind.

dist/kind is pushed as an OCI artifact to the local registry under one tag; the
OCIRepository in clusters/kind follows that tag, so pushing again after a change
to dist/kind rolls it out.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..preflight import PreflightError, require
from ..runner import probe, run
from .cluster import LOOP_TOOLS, require_cluster_context
from .workspace import ARTIFACT_URL, SOURCE_NAME, Workspace
from .. import constants as c

KUSTOMIZATIONS = "kustomizations.kustomize.toolkit.fluxcd.io"


def deploy(ws: Workspace, timeout: str) -> None:
    require(LOOP_TOOLS, docker_daemon=True)
    for folder, fix in ((ws.artifact_dir, "make synth"), (ws.flux_objects_dir, "make synth")):
        if not folder.is_dir():
            raise PreflightError(f"{folder} does not exist: run `{fix}` first")
    require_cluster_context(ws)
    if not probe(ws.kubectl("get", "secret", c.AGE_SECRET_NAME, "-n", c.FLUX_NAMESPACE, "-o", "name")).ok:
        raise PreflightError(f"secret {c.FLUX_NAMESPACE}/{c.AGE_SECRET_NAME} is missing: run `make kind-secrets` first")

    run(ws.flux("install"))
    source, revision = artifact_origin(ws)
    run(["flux", "push", "artifact", ARTIFACT_URL, f"--path={ws.artifact_dir}", f"--source={source}", f"--revision={revision}"])
    run(ws.kubectl("apply", "-f", str(ws.flux_objects_dir)))
    run(ws.flux("reconcile", "source", "oci", SOURCE_NAME, "-n", c.FLUX_NAMESPACE, f"--timeout={timeout}"))
    # Ready alone could be the previous revision's; first wait until every layer applied this one.
    pushed = run(
        ws.kubectl("get", "ocirepository", SOURCE_NAME, "-n", c.FLUX_NAMESPACE, "-o", "jsonpath={.status.artifact.revision}"),
        capture=True,
    ).strip()
    wait_all = ws.kubectl("wait", KUSTOMIZATIONS, "--all", "-n", c.FLUX_NAMESPACE, f"--timeout={timeout}")
    run([*wait_all, f"--for=jsonpath={{.status.lastAppliedRevision}}={pushed}"])
    run([*wait_all, "--for=condition=Ready"])
    print(f"\ndoc-router is deployed to Kind cluster '{ws.cluster}' (revision {pushed}):")
    print("  app:      http://localhost")
    print("  API docs: http://localhost/fastapi/docs")
    print("Change something, `make synth`, then `make kind-deploy` again to roll it out.")


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
