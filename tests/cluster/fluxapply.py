"""Apply a Flux layer the way kustomize-controller does, with kubectl against the test API server.

kustomize-controller (v1.7.3/v1.8.5) builds the layer with kustomize and hands the objects to
fluxcd/pkg/ssa `ResourceManager.ApplyAllStaged` (ssa v0.61.0, manager_apply.go): three stages,
CRDs + Namespaces + ClusterRoles (`utils.IsClusterDefinition`), then every kind whose name ends in
`Class` (`utils.IsClassDefinition`), then the rest; each stage is first server-side dry-run as a
whole (`ApplyAll` dry-runs every object before applying any) and then applied server-side with the
field manager `kustomize-controller`, forcing field ownership; definitions are waited for before the
next stage. A layer with `force: true` deletes and recreates an object whose immutable field changed.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FIELD_MANAGER = "kustomize-controller"


@dataclass
class Kubectl:
    binary: Path
    kubeconfig: Path
    # kubectl caches API discovery; a fresh cluster gets a fresh cache, so a deleted CRD's kind is
    # unknown again ("no matches for kind"), as it is to a controller that starts on a new cluster.
    generation: int = 0

    def run(self, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        cache = self.kubeconfig.parent / "kubectl-cache" / str(self.generation)
        result = subprocess.run(
            [str(self.binary), f"--kubeconfig={self.kubeconfig}", f"--cache-dir={cache}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise KubectlError(args, result.stderr.strip())
        return result

    def json(self, *args: str) -> dict:
        data: dict = json.loads(self.run(*args, "-o", "json").stdout)
        return data

    def kustomize(self, path: Path) -> list[dict]:
        return [o for o in yaml.safe_load_all(self.run("kustomize", str(path)).stdout) if o]


class KubectlError(Exception):
    def __init__(self, args: tuple[str, ...], stderr: str):
        super().__init__(f"kubectl {' '.join(args[:2])}: {stderr}")
        self.stderr = stderr


def warnings_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Warning:")]


def is_cluster_definition(o: dict) -> bool:
    kind, api = o["kind"], o["apiVersion"]
    return (
        (kind == "CustomResourceDefinition" and api.startswith("apiextensions.k8s.io/"))
        or (kind == "Namespace" and api == "v1")
        or (kind == "ClusterRole" and api.startswith("rbac.authorization.k8s.io/"))
    )


def stages(objects: list[dict]) -> list[list[dict]]:
    definitions = [o for o in objects if is_cluster_definition(o)]
    classes = [o for o in objects if not is_cluster_definition(o) and o["kind"].endswith("Class")]
    rest = [o for o in objects if not is_cluster_definition(o) and not o["kind"].endswith("Class")]
    return [s for s in (definitions, classes, rest) if s]


def ref(o: dict) -> str:
    namespace = o["metadata"].get("namespace")
    return f"{o['kind']}/{namespace + '/' if namespace else ''}{o['metadata']['name']}"


@dataclass
class Applied:
    """What one layer's apply did: the objects and every warning the API server sent back."""

    objects: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    recreated: list[str] = field(default_factory=list)


def _server_side(k: Kubectl, objects: list[dict], dry_run: bool) -> subprocess.CompletedProcess[str]:
    args = ["apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "--force-conflicts", "-f", "-"]
    if dry_run:
        args.append("--dry-run=server")
    return k.run(*args, stdin=yaml.safe_dump_all(objects, sort_keys=False), check=False)


def is_refused_update(stderr: str) -> bool:
    """Flux's test for "recreate under force" (ssa v0.61.0 errors/immutable.go, IsImmutableError): the
    API server answered 422 Invalid or 409 Conflict, which kubectl prints as below."""
    return " is invalid: " in stderr or "(Conflict)" in stderr


def apply_layer(k: Kubectl, objects: list[dict], force: bool = False) -> Applied:
    applied = Applied(objects=objects)
    for stage in stages(objects):
        dry = _server_side(k, stage, dry_run=True)
        if dry.returncode != 0 and force and is_refused_update(dry.stderr):
            applied.recreated += _recreate_immutable(k, stage)
            dry = _server_side(k, stage, dry_run=True)
        if dry.returncode != 0:
            raise KubectlError(("apply", "--dry-run=server"), dry.stderr.strip())
        applied.warnings += warnings_of(dry.stderr)
        result = _server_side(k, stage, dry_run=False)
        if result.returncode != 0:
            raise KubectlError(("apply", "--server-side"), result.stderr.strip())
        applied.warnings += warnings_of(result.stderr)
        crds = [f"crd/{o['metadata']['name']}" for o in stage if o["kind"] == "CustomResourceDefinition"]
        if crds:
            k.run("wait", "--for=condition=Established", "--timeout=60s", *crds)
    return applied


def _recreate_immutable(k: Kubectl, stage: list[dict]) -> list[str]:
    """Flux's `force: true`: delete each object whose dry-run fails as immutable, so it is recreated."""
    recreated = []
    for o in stage:
        dry = _server_side(k, [o], dry_run=True)
        if dry.returncode != 0 and is_refused_update(dry.stderr):
            k.run("delete", "--wait=true", "--timeout=60s", "-f", "-", stdin=yaml.safe_dump(o))
            recreated.append(ref(o))
    return recreated


def wait_gone(k: Kubectl, kind: str, names: list[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        remaining = k.run("get", kind, *names, "--ignore-not-found", "-o", "name", check=False).stdout.split()
        if not remaining:
            return
        time.sleep(0.5)
    raise TimeoutError(f"{kind} {names} still present after {timeout:.0f} s")
