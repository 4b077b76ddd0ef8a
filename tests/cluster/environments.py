"""One environment's cluster on the shared control plane: what exists before Flux, and what the
controllers that cannot run here would do.

Before Flux applies anything a real cluster already has the provider's nodes and StorageClasses
(docrouter.providers) and Flux itself (`flux install`: flux-system and Flux's CRDs). Where a
controller cannot run offline the test plays it openly, from the tables below, which cite the
controller's source for every effect.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cluster.controlplane import REPO, ControlPlane
from cluster.fluxapply import Applied, Kubectl, apply_layer, wait_gone
from docrouter.config import load_environment
from docrouter.providers import PROVIDERS

# Real CRDs (../shared/crds, read its README): set CRDS like CRD_SCHEMAS in the Makefile.
CRDS = Path(os.environ.get("CRDS") or REPO.parent / "shared" / "crds")
SYSTEM_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease", "flux-system"}
WORKLOADS = "deployments.apps,replicasets.apps,statefulsets.apps,daemonsets.apps,jobs.batch"

# Node labels each provider sets. Well-known labels: kubernetes.io/docs/reference/labels-annotations-taints/.
# DOKS: `doks.digitalocean.com/node-pool` (docs.digitalocean.com, "Automatically Applied Labels");
# EKS managed node groups: `eks.amazonaws.com/nodegroup` and `eks.amazonaws.com/capacityType`
# (docs.aws.amazon.com/eks, "Managed node groups"); kind: only the kubelet's own labels.
NODE_LABELS: dict[str, list[dict[str, str]]] = {
    "kind": [{"kubernetes.io/hostname": "doc-router-control-plane", "ingress-ready": "true"}],
    "digitalocean": [
        {"doks.digitalocean.com/node-pool": "default", "topology.kubernetes.io/region": "fra1"} for _ in range(3)
    ],
    "aws": [
        {
            "eks.amazonaws.com/nodegroup": "default",
            "eks.amazonaws.com/capacityType": "ON_DEMAND",
            "topology.kubernetes.io/region": "eu-west-1",
            "topology.kubernetes.io/zone": f"eu-west-1{zone}",
        }
        for zone in "abc"
    ],
}

# helm-controller (fluxcd/helm-controller v1.5.5) with `install.crds: Create` installs a chart's CRDs
# before its templates (internal/action/install.go, Helm's install action). Each chart's CRDs:
CHART_CRDS = {
    # cert-manager chart v1.19.1 templates/crd-*.yaml, rendered when `crds.enabled` (our values set it);
    # same spec as deploy/crds (../shared/crds/README.md).
    "cert-manager": "cert-manager",
    # mongodb-kubernetes chart 1.10.0 crds/ (helm_chart/crds), always installed.
    "mongodb-kubernetes": "mongodb-kubernetes",
    "ingress-nginx": None,  # chart 4.13.x ships no CRDs
    "metrics-server": None,
}


def crd_documents(folder: str) -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted((CRDS / folder).glob("*.yaml"))]


def fake_node(name: str, labels: dict[str, str]) -> dict:
    """A Node KWOK manages (its annotation selector): Ready, with room for every test pod."""
    resources = {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "200Gi"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "node.kubernetes.io/instance-type": "fake",
                **labels,
            },
        },
        "status": {"capacity": resources, "allocatable": resources},
    }


def storage_class(name: str, shipped) -> dict:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": shipped.provisioner,
        "reclaimPolicy": shipped.reclaim_policy,
        "volumeBindingMode": shipped.volume_binding_mode,
        **({"parameters": shipped.parameters} if shipped.parameters else {}),
    }


@dataclass
class Cluster:
    plane: ControlPlane
    kubectl: Kubectl = field(init=False)
    provider: str | None = None
    installed: str | None = None  # the environment fully installed since the last fresh()
    _built: dict[Path, list[dict]] = field(default_factory=dict)
    _cluster_scoped: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.kubectl = Kubectl(self.plane.binaries["kubectl"], self.plane.kubeconfig)
        flux = crd_documents("flux")
        apply_layer(self.kubectl, [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "flux-system"}}])
        apply_layer(self.kubectl, flux)

    def apply(self, objects: list[dict], force: bool = False) -> Applied:
        for o in objects:
            if "namespace" not in o["metadata"]:
                self._cluster_scoped.add((o["kind"].lower(), o["metadata"]["name"]))
        return apply_layer(self.kubectl, objects, force=force)

    def build(self, path: Path) -> list[dict]:
        """`kustomize build` of a layer, as kustomize-controller runs it (cached: dist/ does not change)."""
        if path not in self._built:
            self._built[path] = self.kubectl.kustomize(path)
        return copy.deepcopy(self._built[path])

    def install(self, env: str, root: Path = REPO, upto: str | None = None) -> dict[str, list[str]]:
        """env's layers of root in dependsOn order, as Flux's first reconciliation; each layer's warnings."""
        self.fresh(load_environment(env).provider)
        warnings: dict[str, list[str]] = {}
        for layer in flux_layers(root, env):
            objects = self.build(layer.directory(root))
            warnings[layer.name] = self.apply(objects, force=layer.force).warnings
            self.play_helm_releases(objects)
            if layer.name == upto:
                return warnings
        self.installed = env if root == REPO else None
        return warnings

    def fresh(self, provider: str) -> None:
        """An empty cluster of `provider`: what Flux finds before its first reconciliation."""
        self.installed = None
        k = self.kubectl
        namespaces = [n.removeprefix("namespace/") for n in k.run("get", "ns", "-o", "name").stdout.split()]
        doomed = [n for n in namespaces if n not in SYSTEM_NAMESPACES]
        if doomed:
            # Pods first, at once: the namespace controller, finding pods, waits their grace period (30 s
            # here) before it looks again (kubernetes v1.37.2 pkg/controller/namespace/deletion,
            # estimateGracefulTermination); no workload is left to re-create them.
            others = "--field-selector=" + ",".join(f"metadata.namespace!={n}" for n in sorted(SYSTEM_NAMESPACES))
            k.run("delete", WORKLOADS, "-A", others, "--cascade=orphan", "--wait=false")
            k.run("delete", "pods", "-A", others, "--grace-period=0", "--force", "--wait=false")
            k.run("delete", "ns", "--wait=false", *doomed)
            wait_gone(k, "namespaces", doomed)
        # After the namespaces: a CRD vanishing while the namespace controller discovers what to delete
        # fails that pass (NamespaceDeletionDiscoveryFailure), which it retries with back-off.
        by_kind: dict[str, list[str]] = {}
        for kind, name in sorted(self._cluster_scoped):
            if kind != "namespace":
                by_kind.setdefault(kind, []).append(name)
        for kind, names in by_kind.items():  # waited for: the next install re-creates the same CRDs and classes
            k.run("delete", kind, *names, "--ignore-not-found", "--timeout=60s", check=False)
        self._cluster_scoped.clear()
        # Only now: KWOK finishes the pods' deletion only on the nodes it manages; a pod left on a deleted
        # node waits for kube-controller-manager's pod GC (40 s of quarantine, checked every 20 s: kubernetes
        # v1.37.2 pkg/controller/podgc/gc_controller.go).
        k.run("delete", "nodes", "--all", "--wait=false")
        self.provider = provider
        k.generation += 1
        nodes = [fake_node(f"{provider}-{i}", labels) for i, labels in enumerate(NODE_LABELS[provider])]
        classes = [storage_class(n, s) for n, s in PROVIDERS[provider].storage_classes.items()]
        apply_layer(k, nodes)
        self.apply(classes)

    def play_helm_releases(self, objects: list[dict]) -> list[str]:
        """What helm-controller's install of each HelmRelease leaves that later layers rely on: CRDs."""
        installed = []
        for release in (o for o in objects if o["kind"] == "HelmRelease"):
            chart = release["spec"]["chart"]["spec"]["chart"]
            folder = CHART_CRDS[chart]
            if folder and release["spec"].get("install", {}).get("crds", "Create") != "Skip":
                self.apply(crd_documents(folder))
                installed.append(chart)
        return installed


@dataclass(frozen=True)
class Layer:
    """One Flux Kustomization of clusters/<env>/: what it applies and what it waits for."""

    name: str
    path: str
    depends_on: tuple[str, ...]
    force: bool
    spec: dict
    env: str

    def directory(self, root: Path) -> Path:
        """Where the layer's files are in a checkout at root. A GitRepository artifact is the whole
        repository; kind's OCIRepository artifact is dist/kind alone (`make kind-deploy` pushes that)."""
        base = root / "dist" / self.env if self.spec["sourceRef"]["kind"] == "OCIRepository" else root
        return base / self.path


def flux_layers(root: Path, env: str) -> list[Layer]:
    """The Kustomizations of root/clusters/<env>/ in dependsOn order (what Flux reconciles first)."""
    found: dict[str, Layer] = {}
    for path in sorted((root / "clusters" / env).glob("*.yaml")):
        for o in yaml.safe_load_all(path.read_text()):
            if o and o["kind"] == "Kustomization":
                spec = o["spec"]
                depends = tuple(d["name"] for d in spec.get("dependsOn", []))
                found[o["metadata"]["name"]] = Layer(
                    o["metadata"]["name"], spec["path"], depends, bool(spec.get("force")), spec, env
                )
    ordered: list[Layer] = []
    while len(ordered) < len(found):
        ready = [
            layer
            for layer in found.values()
            if layer not in ordered and all(found[d] in ordered for d in layer.depends_on)
        ]
        assert ready, f"clusters/{env}: dependsOn has a cycle"
        ordered += sorted(ready, key=lambda layer: layer.name)
    return ordered
