"""The local OCI registry container and its wiring into the Kind cluster.

The standard kind local-registry recipe (https://kind.sigs.k8s.io/docs/user/local-registry/):
one `registry` container on 127.0.0.1:5001, joined to the `kind` Docker network,
each node's containerd told that localhost:5001 is http://kind-registry:5000, and the
`local-registry-hosting` ConfigMap (KEP-1755) so tools can discover it.
"""

from __future__ import annotations

from docrouter.constants import KIND_REGISTRY_HOST_PORT, KIND_REGISTRY_NAME, KIND_REGISTRY_PORT
from docrouter.runner import probe, run
from docrouter.safe_yaml import safe_dump
from docrouter_tools.kind.workspace import REGISTRY_IMAGE, Workspace

CERTS_DIR = f"/etc/containerd/certs.d/localhost:{KIND_REGISTRY_HOST_PORT}"
HOSTS_TOML = f'[host."http://{KIND_REGISTRY_NAME}:{KIND_REGISTRY_PORT}"]\n'


def ensure_registry_running() -> None:
    state = probe(["docker", "inspect", "--format", "{{.State.Running}}", KIND_REGISTRY_NAME])
    if not state.ok:
        run(
            [
                "docker",
                "run",
                "--detach",
                "--restart=always",
                "--publish",
                f"127.0.0.1:{KIND_REGISTRY_HOST_PORT}:{KIND_REGISTRY_PORT}",
                "--network",
                "bridge",
                "--name",
                KIND_REGISTRY_NAME,
                REGISTRY_IMAGE,
            ]
        )
    elif state.stdout.strip() != "true":
        run(["docker", "start", KIND_REGISTRY_NAME])
    else:
        print(f"Registry container {KIND_REGISTRY_NAME} is already running on localhost:{KIND_REGISTRY_HOST_PORT}.")


def connect_registry(ws: Workspace, nodes: list[str]) -> None:
    """Idempotent: safe to run on every `make kind-up`, which repairs a half-wired cluster."""
    for node in nodes:
        run(["docker", "exec", node, "mkdir", "-p", CERTS_DIR])
        run(["docker", "exec", "-i", node, "cp", "/dev/stdin", f"{CERTS_DIR}/hosts.toml"], stdin=HOSTS_TOML)
    network = probe(["docker", "inspect", "--format", "{{json .NetworkSettings.Networks.kind}}", KIND_REGISTRY_NAME])
    if network.stdout.strip() in ("", "null"):
        run(["docker", "network", "connect", "kind", KIND_REGISTRY_NAME])
    run(ws.kubectl("apply", "-f", "-"), stdin=registry_hosting_config_map())


def registry_hosting_config_map() -> str:
    return safe_dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "local-registry-hosting", "namespace": "kube-public"},
            "data": {
                "localRegistryHosting.v1": f'host: "localhost:{KIND_REGISTRY_HOST_PORT}"\n'
                'help: "https://kind.sigs.k8s.io/docs/user/local-registry/"\n'
            },
        },
        sort_keys=False,
    )


def remove_registry_unless_used(remaining_clusters: list[str]) -> None:
    if remaining_clusters:
        print(f"Keeping registry {KIND_REGISTRY_NAME}: other Kind clusters use it ({', '.join(remaining_clusters)}).")
    elif probe(["docker", "inspect", "--format", "{{.Id}}", KIND_REGISTRY_NAME]).ok:
        run(["docker", "rm", "--force", KIND_REGISTRY_NAME])
    else:
        print(f"Registry container {KIND_REGISTRY_NAME} does not exist; nothing to remove.")
