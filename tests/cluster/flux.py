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
import json
import os
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cluster.controlplane import LOCALHOST, ControlPlane
from cluster.environments import Cluster
from cluster.fluxapply import Kubectl


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
                if phase == "Running"
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
PLURAL = {
    "HelmRepository": "helmrepositories.source.toolkit.fluxcd.io",
    "HelmRelease": "helmreleases.helm.toolkit.fluxcd.io",
    "MongoDBCommunity": "mongodbcommunity.mongodbcommunity.mongodb.com",
    "MongoDBSearch": "mongodbsearch.mongodb.com",
    "ClusterIssuer": "clusterissuers.cert-manager.io",
    "Issuer": "issuers.cert-manager.io",
    "Certificate": "certificates.cert-manager.io",
}


@dataclass
class Player:
    """Plays the controllers of PLAYED: sets each new object's status, once a second, in a thread."""

    cluster: Cluster
    phase: dict[str, str] = field(default_factory=dict)  # kind -> "Running" (default) or "Failed"
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    played: set[tuple[str, str, int, str]] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)  # shown when a wait times out

    def _round(self) -> None:
        k = self.cluster.kubectl
        for kind, (status, _) in PLAYED.items():
            listed = k.run("get", PLURAL[kind], "-A", "-o", "json", check=False)
            if listed.returncode != 0:
                continue  # its CRD is not installed yet
            for o in json.loads(listed.stdout)["items"]:
                meta = o["metadata"]
                generation, phase = meta.get("generation", 1), self.phase.get(kind, "Running")
                key = (kind, f"{meta.get('namespace', '')}/{meta['name']}", generation, phase)
                if key in self.played:
                    continue
                if kind == "HelmRelease":
                    self.cluster.play_helm_releases([o])
                args = ["patch", PLURAL[kind], meta["name"], "--subresource=status", "--type=merge"]
                args += ["-n", meta["namespace"]] if "namespace" in meta else []
                k.run(*args, "-p", json.dumps({"status": status(generation, phase)}))
                self.played.add(key)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._round()
            except Exception as error:  # a race with a deletion: the next round sees the new state
                self.errors.append(str(error)[:300])
            self._stop.wait(1)

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
                "--requeue-dependency=2s",  # 30 s by default: the chain would take minutes
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "KUBECONFIG": str(plane.kubeconfig), "RUNTIME_NAMESPACE": "flux-system"},
        )
    plane.processes["kustomize-controller"] = process
    return process


def condition(k: Kubectl, name: str, kind: str = "kustomizations.kustomize.toolkit.fluxcd.io") -> dict | None:
    got = k.run("get", kind, name, "-n", "flux-system", "-o", "json", check=False)
    if got.returncode != 0:
        return None
    for c in json.loads(got.stdout).get("status", {}).get("conditions", []):
        if c["type"] == "Ready":
            return dict(c)
    return None


def wait_for(check: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s")
