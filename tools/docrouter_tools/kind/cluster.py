"""`make kind-up` and `make kind-down`: the Kind cluster itself."""

from __future__ import annotations

import re

from docrouter.preflight import PreflightError, require
from docrouter.runner import probe, run
from docrouter.safe_yaml import safe_dump
from docrouter_tools.kind.registry import connect_registry, ensure_registry_running, remove_registry_unless_used
from docrouter_tools.kind.workspace import Workspace

# Kind node image for Kubernetes 1.37 (environments/kind.yaml kubernetes_version; a test keeps them in step):
# kind v0.33.0's default image, digest from its release notes (github.com/kubernetes-sigs/kind/releases/tag/v0.33.0).
# Kind asks for the digest: node images are built for a kind release. Renovate moves tag and digest together.
KIND_VERSION = "v0.33.0"
NODE_IMAGE = "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"
LOOP_TOOLS = ("docker", "kind", "kubectl", "flux")


def kind_config() -> dict:
    """One node that takes host ports 80/443 and is labelled for ingress-nginx's hostPort pods."""
    return {
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        # Lets `connect_registry` point localhost:5001 at the registry container.
        "containerdConfigPatches": [
            '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n'
        ],
        "nodes": [
            {
                "role": "control-plane",
                "kubeadmConfigPatches": [
                    "kind: InitConfiguration\nnodeRegistration:\n"
                    '  kubeletExtraArgs:\n    node-labels: "ingress-ready=true"\n'
                ],
                "extraPortMappings": [
                    {"containerPort": port, "hostPort": port, "protocol": "TCP"} for port in (80, 443)
                ],
            }
        ],
    }


def _version(text: str) -> tuple[int, ...] | None:
    found = re.search(r"\bv(\d+)\.(\d+)\.(\d+)\b", text)
    return tuple(int(part) for part in found.groups()) if found else None


def require_kind_release() -> None:
    """The node image is built for KIND_VERSION; an older kind may fail to boot it, late and obscurely."""
    installed = _version(probe(["kind", "version"]).stdout)
    pinned = _version(KIND_VERSION)
    if installed and pinned and installed < pinned:
        raise PreflightError(
            f"kind v{'.'.join(map(str, installed))} is older than {KIND_VERSION}, the release the node image "
            f"{NODE_IMAGE.split('@')[0]} is built for. Fix: install kind {KIND_VERSION} or newer: "
            "https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
        )


def kind_clusters() -> list[str]:
    return run(["kind", "get", "clusters"], capture=True).split()


def up(ws: Workspace, node_image: str) -> None:
    # The whole loop's tools, so the first command already tells you everything to install.
    require(LOOP_TOOLS, docker_daemon=True)
    ensure_registry_running()
    if ws.cluster in kind_clusters():
        print(f"Kind cluster '{ws.cluster}' already exists; continuing (registry wiring is re-applied).")
    else:
        require_kind_release()
        ws.cache.mkdir(parents=True, exist_ok=True)
        ws.kind_config.write_text(safe_dump(kind_config(), sort_keys=False), encoding="utf-8")
        run(
            [
                "kind",
                "create",
                "cluster",
                "--name",
                ws.cluster,
                "--image",
                node_image,
                "--config",
                str(ws.kind_config),
                "--wait",
                "120s",
            ]
        )
    nodes = run(["kind", "get", "nodes", "--name", ws.cluster], capture=True).split()
    connect_registry(ws, nodes)
    print(f"\nKind cluster '{ws.cluster}' is up (kubectl context {ws.context}).")
    print("Next: make kind-secrets, then make kind-deploy.")


def down(ws: Workspace) -> None:
    require(("docker", "kind"), docker_daemon=True)
    run(["kind", "delete", "cluster", "--name", ws.cluster])
    remove_registry_unless_used(kind_clusters())
    print(
        f"Kind cluster '{ws.cluster}' is gone. "
        f"Its age key and credentials stay in {ws.cache} (make clean removes them)."
    )


def require_cluster_context(ws: Workspace) -> None:
    if not probe(["kubectl", "config", "get-contexts", ws.context]).ok:
        raise PreflightError(f"no kubectl context {ws.context}: create the cluster first with `make kind-up`")
