"""One environment's clusters/<env>/ reconciled by the real kustomize-controller (flux.py), as after
`flux bootstrap` (staging, production: a GitRepository and a root Kustomization of ./clusters/<env>) or
`make kind-deploy` (kind: clusters/kind applied, an OCIRepository whose artifact is dist/kind alone).

The source is played as kustomize-controller's own tests play it: a tarball on 127.0.0.1 set as the
source's `status.artifact`. Every revision carries one test Secret, SOPS-encrypted for a recipient the
test chooses, in the layer that may write the app's Secrets (pre-deploy, layers.py grants).
"""

from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cluster.api import Api
from cluster.controlplane import REPO
from cluster.environments import Cluster, Layer, flux_layers
from cluster.flux import ArtifactServer, Player, condition, kustomization, now, tree, wait_for
from docrouter import constants as c
from docrouter.config import load_environment
from docrouter_tools.secrets import sops

KUSTOMIZATION_KIND = "kustomizations.kustomize.toolkit.fluxcd.io"
TEST_SECRET_NAME = "tier-test"
TEST_SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": TEST_SECRET_NAME, "namespace": c.APP_NAMESPACE},
    "type": "Opaque",
    "stringData": {"TOKEN": "decrypted-by-flux"},
}
SOURCES = {
    "GitRepository": "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories",
    "OCIRepository": "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/ocirepositories",
}


@dataclass
class Runtime:
    """What every environment shares: one kustomize-controller, its artifact server, the played controllers."""

    cluster: Cluster
    api: Api
    server: ArtifactServer
    player: Player


class Revision:
    """The artifact Flux fetches for env, plus the SOPS test Secret encrypted for `recipient`."""

    def __init__(self, env: str, tmp: Path, recipient: str):
        self.layers = {layer.name: layer for layer in flux_layers(REPO, env)}
        if oci(self.layers["apps"]):  # what `make kind-deploy` pushes: dist/<env> is the artifact's root
            root = REPO / "dist" / env
            self.files = tree(root, tuple(sorted(p.name for p in root.iterdir() if p.is_dir())))
        else:  # a GitRepository artifact is the whole repository (its dist/ and clusters/ are what Flux reads)
            self.files = tree(REPO)
        config = tmp / ".sops.yaml"
        rule = {"path_regex": r".*\.sops\.yaml$", "encrypted_regex": "^(data|stringData)$", "age": recipient}
        config.write_text(yaml.safe_dump({"creation_rules": [rule]}))
        name = f"{self.folder('pre-deploy')}/{c.APP_NAMESPACE}/secret-tier-test.sops.yaml"
        self.files[name] = sops.encrypt(config, tmp / name, yaml.safe_dump(TEST_SECRET)).encode()
        self.add_resource("pre-deploy", f"{c.APP_NAMESPACE}/secret-tier-test.sops.yaml")

    def folder(self, layer: str) -> str:
        return self.layers[layer].path.removeprefix("./")

    def _edit(self, layer: str, edit) -> None:
        path = f"{self.folder(layer)}/kustomization.yaml"
        kustomization = yaml.safe_load(self.files[path])
        edit(kustomization["resources"])
        self.files[path] = yaml.safe_dump(kustomization).encode()

    def add_resource(self, layer: str, resource: str) -> None:
        self._edit(layer, lambda resources: resources.append(resource))

    def drop_resource(self, layer: str, resource: str) -> None:
        self._edit(layer, lambda resources: resources.remove(resource))


def oci(layer: Layer) -> bool:
    return bool(layer.spec["sourceRef"]["kind"] == "OCIRepository")


@dataclass
class EnvironmentFlux:
    env: str
    runtime: Runtime
    tmp: Path
    count: int = 0
    layers: list[Layer] = field(default_factory=list)
    current: str = ""  # the revision published last

    def __post_init__(self) -> None:
        self.layers = flux_layers(REPO, self.env)
        self.k = self.runtime.cluster.kubectl
        self.api, self.player = self.runtime.api, self.runtime.player
        source = self.layers[0].spec["sourceRef"]
        self.source_kind, self.source_name = source["kind"], source["name"]

    @property
    def names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    def install(self, identity: str, recipient: str) -> Revision:
        """An empty cluster of the environment's provider with Flux and the age key, then the entry point."""
        self.runtime.cluster.fresh(load_environment(self.env).provider)
        self.k.run(
            "create", "secret", "generic", c.AGE_SECRET_NAME, "-n", c.FLUX_NAMESPACE,
            f"--from-literal=age.agekey={identity}",
        )  # fmt: skip
        revision = self.revision(recipient)
        if self.source_kind == "OCIRepository":
            self.k.run("apply", "-f", str(REPO / "clusters" / self.env))  # as `make kind-deploy`
            self.publish(revision)
        else:  # what `flux bootstrap` commits (gotk-sync.yaml): the GitRepository and the root Kustomization
            self.k.run("apply", "-f", "-", stdin=yaml.safe_dump(self._git_repository()))
            self.publish(revision)
            self.k.run("apply", "-f", "-", stdin=yaml.safe_dump(self._root()))
        return revision

    def revision(self, recipient: str) -> Revision:
        return Revision(self.env, Path(tempfile.mkdtemp(dir=self.tmp)), recipient)

    def _git_repository(self) -> dict:
        return {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "GitRepository",
            "metadata": {"name": self.source_name, "namespace": c.FLUX_NAMESPACE},
            "spec": {"interval": "1m", "url": "ssh://git@git.invalid/doc-router.git", "ref": {"branch": "main"}},
        }

    def _root(self) -> dict:
        return {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "flux-system", "namespace": c.FLUX_NAMESPACE},
            "spec": {
                "interval": "10m",
                "path": f"./clusters/{self.env}",
                "prune": True,
                "sourceRef": {"kind": "GitRepository", "name": self.source_name},
            },
        }

    def publish(self, revision: Revision) -> str:
        """A new artifact, set as the source's status as kustomize-controller's tests do (applyGitRepository)."""
        self.count += 1
        name = f"{self.env}-{self.count}.tar.gz"
        url, digest = self.runtime.server.publish(name, revision.files)
        # source-controller's revision formats (api/v1 artifact.go): <branch>@sha1:<commit>, <tag>@<digest>.
        if self.source_kind == "OCIRepository":
            revision_id = f"local@{digest}"
        else:
            revision_id = f"main@sha1:{self.count:040x}"
        self.current = revision_id
        self.api.patch_status(
            f"{SOURCES[self.source_kind]}/{self.source_name}",
            {
                "observedGeneration": 1,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "Succeeded",
                        "message": f"stored artifact for revision '{revision_id}'",
                        "lastTransitionTime": now(),
                    }
                ],
                "artifact": {
                    "path": f"{self.source_kind.lower()}/flux-system/{self.source_name}/{name}",
                    "url": url,
                    "revision": revision_id,
                    "digest": digest,
                    "lastUpdateTime": now(),
                },
            },
        )
        return revision_id

    def reconcile(self, name: str) -> None:
        """`flux reconcile kustomization`: the request annotation, then the wait until the controller has
        handled it (status.lastHandledReconcileAt, set at the end of each reconciliation, v1.7.3
        internal/controller/kustomization_controller.go finalizeStatus)."""
        requested = now()
        self.k.run(
            "annotate", "--overwrite", KUSTOMIZATION_KIND, name, "-n", c.FLUX_NAMESPACE,
            f"reconcile.fluxcd.io/requestedAt={requested}",
        )  # fmt: skip
        handled = lambda: kustomization(self.api, name).get("status", {}).get("lastHandledReconcileAt") == requested  # noqa: E731
        wait_for(handled, 60, f"{self.env}: {name} handling the reconcile request of {requested}")

    def wait_ready(self, names: list[str], revision: str, timeout: float = 120) -> list[str]:
        """Wait until each of names is Ready at revision; the order in which they became so."""
        order: list[str] = []

        def all_ready() -> bool:
            for name in names:
                got = kustomization(self.api, name).get("status", {})
                ready = condition(self.api, name)
                if ready and ready["status"] == "True" and got.get("lastAppliedRevision") == revision:
                    if name not in order:
                        order.append(name)
            return all(n in order for n in names)

        wait_for(
            all_ready,
            timeout,
            f"{self.env}: Kustomizations {names} Ready at {revision} "
            f"(now {[(n, condition(self.api, n)) for n in names]}; player: {self.player.errors[-3:]})",
        )
        return order

    def settle(self, revision: Revision) -> str:
        """Publish revision and wait until every layer is Ready at it: the state each test starts from."""
        published = self.publish(revision)
        self.wait_ready(self.names, published)
        return published

    def secret_token(self) -> str:
        secret = self.k.json("get", "secret", TEST_SECRET_NAME, "-n", c.APP_NAMESPACE)
        return base64.b64decode(secret["data"]["TOKEN"]).decode()

    def uninstall(self) -> None:
        """The layers last to first, each pruned by kustomize-controller as its own ServiceAccount. All at once,
        infra-controllers would prune the accounts and Roles first and the later layers' finalizers would retry
        a Forbidden delete for ever (v1.7.3 kustomization_controller.go finalize returns the error). The root
        is suspended first, so deleting it prunes nothing (finalizerShouldDeleteResources)."""
        k = self.k
        if self.source_kind == "GitRepository":
            k.run("patch", KUSTOMIZATION_KIND, "flux-system", "-n", c.FLUX_NAMESPACE, "--type=merge",
                  "-p", '{"spec":{"suspend":true}}')  # fmt: skip
            k.run("delete", KUSTOMIZATION_KIND, "flux-system", "-n", c.FLUX_NAMESPACE, "--timeout=60s")
        for layer in reversed(self.layers):
            k.run("delete", KUSTOMIZATION_KIND, layer.name, "-n", c.FLUX_NAMESPACE, "--timeout=60s")
        k.run("delete", "--ignore-not-found", "-f", str(REPO / "clusters" / self.env))
        resource = f"{SOURCES[self.source_kind].rsplit('/', 1)[1]}.source.toolkit.fluxcd.io"
        k.run("delete", "--ignore-not-found", resource, self.source_name, "-n", c.FLUX_NAMESPACE)
        k.run("delete", "secret", c.AGE_SECRET_NAME, "-n", c.FLUX_NAMESPACE)
