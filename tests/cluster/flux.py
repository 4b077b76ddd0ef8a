"""Flux's kustomize-controller, for real, against the test API server, fed like its own tests feed it.

kustomize-controller's suite (internal/controller/suite_test.go, applyGitRepository, v1.7.3) runs
without source-controller: it serves a tarball over HTTP and writes the GitRepository's
`status.artifact` (url, revision, sha256 digest) itself. We do the same with a tarball of dist/ and
clusters/. The controllers that cannot run offline are played from PLAYED, in the open.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import os
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cluster.api import Api
from cluster.controlplane import LOCALHOST, ControlPlane
from cluster.environments import Cluster


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ready(reason: str, message: str, generation: int, status: str = "True") -> dict:
    return {
        "type": "Ready",
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": now(),
    }


# What each controller that cannot run here would write into status, with its source (tags as pinned).
# kind -> (status for an object of that generation, source).
PLAYED: dict[str, tuple[Callable[[int, str], dict], str]] = {
    "HelmRepository": (
        lambda g, _: {"observedGeneration": g, "conditions": [ready("Succeeded", "stored artifact", g)]},
        "source-controller v1.8.5 api/v1/condition_types.go (SucceededReason); the repository index is online",
    ),
    "HelmRelease": (
        lambda g, _: {
            "observedGeneration": g,
            "conditions": [
                ready("InstallSucceeded", "Helm install succeeded", g),
                {**ready("InstallSucceeded", "Helm install succeeded", g), "type": "Released"},
            ],
        },
        "helm-controller v1.5.5 api/v2/condition_types.go (ReleasedCondition, InstallSucceededReason); "
        "the chart's CRDs are installed as environments.CHART_CRDS says",
    ),
    "MongoDBCommunity": (  # the CRD's status requires the member counts and mongoUri too
        lambda g, phase: {
            "phase": phase,
            "currentMongoDBMembers": 3,
            "currentStatefulSetReplicas": 3,
            "mongoUri": "mongodb://mongodb-0.mongodb-svc.mongodb.svc.cluster.local:27017",
        },
        "mongodb-kubernetes 1.10.0 mongodb-community-operator/api/v1/mongodbcommunity_types.go (Phase: Running, "
        "Failed, Pending)",
    ),
    "MongoDBSearch": (
        lambda g, phase: {"phase": phase, "observedGeneration": g},
        "mongodb-kubernetes 1.10.0 api/v1/search/mongodbsearch_types.go (status.phase, as MongoDBCommunity)",
    ),
    "ClusterIssuer": (
        lambda g, phase: {
            "conditions": [
                ready("ACMEAccountRegistered", "The ACME account was registered with the ACME server", g)
                if phase == RUNNING
                else ready("ErrRegisterACMEAccount", "Failed to register ACME account", g, "False")
            ]
        },
        "cert-manager v1.19.1 pkg/issuer/acme/setup.go (ACMEAccountRegistered / ErrRegisterACMEAccount)",
    ),
    # MongoDB's TLS chain (platform/mongodb_certificates.py): the self-signed bootstrap Issuer and the
    # certificates the CA ClusterIssuer signs.
    "Issuer": (
        lambda g, phase: {"conditions": [ready("IsReady", "", g, "True" if phase == "Running" else "False")]},
        "cert-manager v1.19.1 pkg/issuer/selfsigned/setup.go (Setup: Ready, reason IsReady)",
    ),
    "Certificate": (
        lambda g, phase: {
            "conditions": [
                ready("Ready", "Certificate is up to date and has not expired", g)
                if phase == "Running"
                else ready("Issuing", "Issuing certificate as Secret does not exist", g, "False")
            ]
        },
        "cert-manager v1.19.1 pkg/controller/certificates/readiness/readiness_controller.go (Ready / Issuing)",
    ),
}
# Where each played kind is served (the CRDs of ../shared/crds); MongoDB's operator names its plural in the singular.
PATHS = {
    "HelmRepository": "/apis/source.toolkit.fluxcd.io/v1/{ns}helmrepositories",
    "HelmRelease": "/apis/helm.toolkit.fluxcd.io/v2/{ns}helmreleases",
    "MongoDBCommunity": "/apis/mongodbcommunity.mongodb.com/v1/{ns}mongodbcommunity",
    "MongoDBSearch": "/apis/mongodb.com/v1/{ns}mongodbsearch",
    "ClusterIssuer": "/apis/cert-manager.io/v1/{ns}clusterissuers",
    "Issuer": "/apis/cert-manager.io/v1/{ns}issuers",
    "Certificate": "/apis/cert-manager.io/v1/{ns}certificates",
}
RUNNING = "Running"


@dataclass
class Player:
    """Plays the controllers of PLAYED: keeps each object's status at what its controller would write for
    the phase a test asks for (`phase[kind]`, Running by default), checking five times a second."""

    cluster: Cluster
    api: Api
    phase: dict[str, str] = field(default_factory=dict)  # kind -> "Running" (default) or "Failed"
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    played: dict[str, tuple[int, str]] = field(default_factory=dict)  # uid -> (generation, phase) last written
    errors: list[str] = field(default_factory=list)  # shown when a wait times out

    def _round(self) -> None:
        for kind, (status, _) in PLAYED.items():
            listed = self.api.get(PATHS[kind].format(ns=""))
            if listed is None:
                continue  # its CRD is not installed yet
            for o in listed["items"]:
                meta = o["metadata"]
                state = (meta.get("generation", 1), self.phase.get(kind, RUNNING))
                if self.played.get(meta["uid"]) == state:
                    continue
                if kind == "HelmRelease" and meta["uid"] not in self.played:
                    self.cluster.play_helm_releases([o])
                ns = f"namespaces/{meta['namespace']}/" if "namespace" in meta else ""
                self.api.patch_status(f"{PATHS[kind].format(ns=ns)}/{meta['name']}", status(*state))
                self.played[meta["uid"]] = state

    def is_played(self, kind: str, namespace: str, name: str) -> bool:
        """Whether the object's status is what the current phase asks for."""
        ns = f"namespaces/{namespace}/" if namespace else ""
        o = self.api.get(f"{PATHS[kind].format(ns=ns)}/{name}")
        state = (o["metadata"].get("generation", 1), self.phase.get(kind, RUNNING)) if o else None
        return o is not None and self.played.get(o["metadata"]["uid"]) == state

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._round()
            except Exception as error:  # a race with a deletion: the next round sees the new state
                self.errors.append(str(error)[:300])
            self._stop.wait(0.2)

    def start(self) -> Player:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


class ArtifactServer:
    """Serves tarballs from a folder on 127.0.0.1, as source-controller's storage would."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.server = http.server.ThreadingHTTPServer((LOCALHOST, 0), functools.partial(_Quiet, directory=str(folder)))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"http://{LOCALHOST}:{self.server.server_address[1]}/{name}"

    def publish(self, name: str, files: dict[str, bytes]) -> tuple[str, str]:
        """A .tar.gz of files; (url, sha256 digest) for status.artifact."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for path, content in sorted(files.items()):
                info = tarfile.TarInfo(path)
                info.size, info.mtime, info.mode = len(content), 0, 0o644
                tar.addfile(info, io.BytesIO(content))
        data = buffer.getvalue()
        (self.folder / name).write_bytes(data)
        return self.url(name), f"sha256:{hashlib.sha256(data).hexdigest()}"

    def close(self) -> None:
        self.server.shutdown()


def tree(root: Path, roots: tuple[str, ...] = ("dist", "clusters")) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for top in roots
        for p in sorted((root / top).rglob("*"))
        if p.is_file()
    }


def start_kustomize_controller(plane: ControlPlane) -> subprocess.Popen[bytes]:
    """kustomize-controller as flux install runs it (its Deployment's args), here on 127.0.0.1."""
    log = plane.log("kustomize-controller")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(plane.binaries["kustomize-controller"]),
                "--watch-all-namespaces=true",
                "--log-level=info",
                "--log-encoding=json",
                "--enable-leader-election=false",
                f"--metrics-addr={LOCALHOST}:0",
                f"--health-addr={LOCALHOST}:0",
                # 30 s by default: how soon a layer whose dependency was not Ready looks again; at 30 s
                # the chain of five layers would take minutes (main.go, --requeue-dependency, v1.7.3).
                "--requeue-dependency=1s",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "KUBECONFIG": str(plane.kubeconfig), "RUNTIME_NAMESPACE": "flux-system"},
        )
    plane.processes["kustomize-controller"] = process
    return process


KUSTOMIZATIONS = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations"


def kustomization(api: Api, name: str) -> dict:
    return api.get(f"{KUSTOMIZATIONS}/{name}") or {}


def condition(api: Api, name: str, kind: str = "Ready") -> dict | None:
    for c in kustomization(api, name).get("status", {}).get("conditions", []):
        if c["type"] == kind:
            return dict(c)
    return None


def wait_for(check: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")
