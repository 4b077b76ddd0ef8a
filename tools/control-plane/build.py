#!/usr/bin/env python3
"""Build the test control plane from the Go module proxy (`make control-plane`).

Binaries land in ~/.cache/docrouter/control-plane/<version-hash>/, laid out as KUBEBUILDER_ASSETS
expects (etcd, kube-apiserver, kubectl in one flat folder) plus kube-controller-manager,
kube-scheduler, kwok and kustomize-controller. The hash covers every wrapper module's go.mod and
go.sum, the build flags and the Go version, so a change to any of them builds a new folder and an
unchanged one is reused at once. Go's own module and build caches (outside the checkout) make a
rebuild after a small change short. The last line printed is the folder.

    python3 tools/control-plane/build.py            build what is missing, print the folder
    python3 tools/control-plane/build.py --print    print the folder only (exit 1 if incomplete)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KUBERNETES_VERSION = "v1.37.2"

# -X flags k8s.io/kubernetes' own build sets (hack/lib/version.sh, kube::version::ldflags, v1.37.2),
# so /version and `kubectl version` report the release rather than v0.0.0-master.
_MAJOR, _MINOR = KUBERNETES_VERSION.lstrip("v").split(".")[:2]
_VERSION_VARS = {"gitVersion": KUBERNETES_VERSION, "gitMajor": _MAJOR, "gitMinor": _MINOR, "gitTreeState": "clean"}
_KUBE_LDFLAGS = " ".join(
    f"-X {package}.{key}={value}"
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version")
    for key, value in _VERSION_VARS.items()
)

# wrapper module (folder beside this file) -> (binary name -> Go package), extra -ldflags
COMPONENTS: dict[str, tuple[dict[str, str], str]] = {
    "etcd": ({"etcd": "go.etcd.io/etcd/server/v3"}, ""),
    "kubernetes": (
        {
            "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
            "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
            "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
            "kubectl": "k8s.io/kubernetes/cmd/kubectl",
        },
        _KUBE_LDFLAGS,
    ),
    "kwok": ({"kwok": "sigs.k8s.io/kwok/cmd/kwok"}, ""),
    "kustomize-controller": ({"kustomize-controller": "github.com/fluxcd/kustomize-controller"}, ""),
}
BINARIES = tuple(name for binaries, _ in COMPONENTS.values() for name in binaries)
COMPLETE = ".complete"

# The kwok binary simulates nothing without Stage objects; kwokctl feeds it these defaults
# (sigs.k8s.io/kwok v0.8.0 pkg/kwokctl/runtime/cluster.go, getDefaultNodeStages with a lease and
# getDefaultPodStages). They ship in the kwok module, so they are copied beside the binary.
KWOK_CONFIG = "kwok.yaml"
KWOK_STAGES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)


def go_version() -> str:
    """The Go release and its cgo setting: both change every compiled package."""
    command = ["go", "env", "GOVERSION", "CGO_ENABLED"]
    return " ".join(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split())


def version_hash(go: str) -> str:
    digest = hashlib.sha256(f"{go}{KWOK_STAGES}".encode())
    for module in sorted(COMPONENTS):
        binaries, ldflags = COMPONENTS[module]
        digest.update(f"{module}{sorted(binaries.items())}{ldflags}".encode())
        for name in ("go.mod", "go.sum"):
            digest.update((HERE / module / name).read_bytes())
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "docrouter" / "control-plane"


def write_kwok_config(path: Path) -> None:
    kwok_dir = subprocess.run(
        ["go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok"],
        cwd=HERE / "kwok",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stages = [(Path(kwok_dir) / stage).read_text().strip() for stage in KWOK_STAGES]
    path.write_text("\n---\n".join(stages) + "\n")


def build(target: Path) -> None:
    """Build every component into a temporary folder beside target, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    env = dict(os.environ, GOFLAGS="-mod=readonly -buildvcs=false")
    try:
        for module, (binaries, ldflags) in COMPONENTS.items():
            started = time.monotonic()
            print(f"control-plane: building {', '.join(binaries)} ({module}/go.mod)", flush=True)
            command = ["nice", "-n", "10", "go", "build", "-trimpath", "-ldflags", f"-s -w {ldflags}".strip()]
            command += ["-o", f"{staging}/", *binaries.values()]
            if len(binaries) == 1:  # `go build -o dir/` names a single binary after its package path
                (name,) = binaries
                command[command.index("-o") + 1] = str(staging / name)
            subprocess.run(command, cwd=HERE / module, env=env, check=True)
            print(f"control-plane: {module} done in {time.monotonic() - started:.0f} s", flush=True)
        write_kwok_config(staging / KWOK_CONFIG)
        missing = [name for name in BINARIES if not (staging / name).is_file()]
        if missing:
            raise SystemExit(f"control-plane: the build did not produce {', '.join(missing)}")
        (staging / COMPLETE).write_text(f"{KUBERNETES_VERSION}\n")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str]) -> int:
    if shutil.which("go") is None:
        print("control-plane: Go is required (go 1.26+ and the Go module proxy)", file=sys.stderr)
        return 1
    target = cache_root() / version_hash(go_version())
    if (target / COMPLETE).is_file():
        print(target)
        return 0
    if "--print" in argv:
        print(f"control-plane: not built yet ({target}); run `make control-plane`", file=sys.stderr)
        return 1
    started = time.monotonic()
    try:
        build(target)
    except subprocess.CalledProcessError as error:
        print(f"control-plane: `{' '.join(error.cmd[3:6])} …` failed (exit {error.returncode})", file=sys.stderr)
        return 1
    print(f"control-plane: built in {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
