"""What each cluster provider ships before Flux applies anything: one place for those facts.

Synth must never redefine an object a provider already created with different immutable
fields (the API server rejects the apply and the whole Flux layer fails), and must not
install what the provider already runs. Each fact names where it was read.

Which Kubernetes minor versions each provider offers, and until when under standard support, is
data here too (KUBERNETES_CHECKED says when it was read): synth refuses any other version
(config.py), and `make validate` warns from SUPPORT_WARNING_DAYS before a version's end
(tools/validate/lifecycle.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

# When the version tables below were last read from their sources (docs/platform.md#versions).
KUBERNETES_CHECKED = datetime.date(2026, 12, 4)
SUPPORT_WARNING_DAYS = 60

# Every StorageClass synth creates is named so: no provider ships such a name (PROVIDERS below), and
# no cluster setup (eksctl, Terraform EKS blueprints, EKS Auto Mode) creates one.
OWN_STORAGE_CLASS_PREFIX = "doc-router-"


@dataclass(frozen=True)
class ShippedStorageClass:
    """A StorageClass the provider creates; every field but allowVolumeExpansion is immutable."""

    provisioner: str
    reclaim_policy: str
    volume_binding_mode: str
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KubernetesSupport:
    """A minor version the provider offers for new clusters, and the last day of its standard support."""

    end_of_standard_support: datetime.date
    # True when the provider publishes no end date yet and the date is derived from its policy.
    estimated: bool = False


@dataclass(frozen=True)
class ApiServer:
    """Where pods reach the API server behind the `kubernetes` Service's DNAT (NetworkPolicies see that)."""

    cidrs: tuple[str, ...]
    ports: tuple[int, ...]
    source: str


@dataclass(frozen=True)
class Provider:
    name: str
    storage_classes: dict[str, ShippedStorageClass]
    # metrics-server (the resource metrics API an HPA reads): shipped, or installed by synth.
    ships_metrics_server: bool
    source: str
    kubernetes_versions: dict[str, KubernetesSupport]
    kubernetes_source: str
    api_server: ApiServer

    # A throwaway cluster on this machine (Kind): one replica of each controller, ingress through the
    # node's ports, Flux reading a local OCI registry instead of Git, development secrets.
    is_local: bool = False

    def support_of(self, minor: str) -> KubernetesSupport | None:
        return self.kubernetes_versions.get(minor)


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# Upstream's three maintained minors and their end of life (kubernetes.io/releases/1.35, 1.36, 1.37, read
# 2026-12-04): Kind's node images and DOKS both follow them.
UPSTREAM = {
    "1.35": KubernetesSupport(_d("2027-02-28")),
    "1.36": KubernetesSupport(_d("2027-06-28")),
    "1.37": KubernetesSupport(_d("2027-10-28")),
}


def _doks(name: str, reclaim: str, fs: str | None) -> tuple[str, ShippedStorageClass]:
    params = {"fstype": fs} if fs else {}
    return name, ShippedStorageClass("dobs.csi.digitalocean.com", reclaim, "Immediate", params)


PROVIDERS: dict[str, Provider] = {
    "digitalocean": Provider(
        "digitalocean",
        dict(
            [
                _doks("do-block-storage", "Delete", None),
                _doks("do-block-storage-retain", "Retain", None),
                _doks("do-block-storage-xfs", "Delete", "xfs"),
                _doks("do-block-storage-xfs-retain", "Retain", "xfs"),
            ]
        ),
        ships_metrics_server=True,
        source="DOKS: DigitalOcean CSI driver classes (dobs.csi.digitalocean.com, Immediate);"
        " metrics-server preinstalled",
        kubernetes_versions=UPSTREAM,
        # DOKS supports upstream's three newest minors (N-2) and upgrades a cluster whose minor leaves upstream
        # support (docs.digitalocean.com/products/kubernetes/how-to/upgrade-cluster); `doctl kubernetes options
        # versions` lists what it offers today. End dates: upstream's end of life.
        kubernetes_source="DOKS: upstream's 3 newest minors, dates from kubernetes.io/releases",
        # The control plane's address, different per cluster: any address on HTTPS unless the environment
        # file names it (api_server_cidrs, Environment.api_server; docs/bootstrap.md says why not Cilium's
        # `kube-apiserver` entity).
        api_server=ApiServer(("0.0.0.0/0",), (443,), "DOKS: the cluster's public control-plane endpoint, port 443"),
    ),
    "aws": Provider(
        "aws",
        {
            "gp2": ShippedStorageClass(
                "kubernetes.io/aws-ebs", "Delete", "WaitForFirstConsumer", {"type": "gp2", "fsType": "ext4"}
            )
        },
        ships_metrics_server=False,
        source="EKS: default gp2 class (in-tree aws-ebs); metrics-server is an optional add-on, not installed",
        # Standard support is 14 months from the EKS release (docs.aws.amazon.com/eks/latest/userguide/
        # kubernetes-versions.html). 1.35: released 2026-01-28, end 2027-03-27 (endoflife.date/amazon-eks).
        # 1.36: EKS release notes of 2026-06-02 (kubernetes-versions-standard.html#kubernetes-1-36); 1.37: AWS
        # What's New of 2026-10-01 (amazon-eks-distro-kubernetes-version-1-37): ends are release + 14 months,
        # estimated until AWS publishes them. 1.34's standard support ended 2026-12-02, 1.33's 2026-07-29.
        kubernetes_versions={
            "1.35": KubernetesSupport(_d("2027-03-27")),
            "1.36": KubernetesSupport(_d("2027-08-02"), estimated=True),
            "1.37": KubernetesSupport(_d("2027-12-01"), estimated=True),
        },
        kubernetes_source="EKS calendar, docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html",
        # The `kubernetes` endpoints are the control plane's cross-account ENIs in the cluster's VPC
        # subnets (EKS user guide, "Amazon EKS cluster endpoint access control"); a VPC's CIDR is
        # RFC 1918 or 100.64.0.0/10 (VPC user guide, "VPC CIDR blocks").
        api_server=ApiServer(
            ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"),  # the Service CIDR too
            (443,),
            "EKS: control-plane ENIs in the VPC",
        ),
    ),
    "kind": Provider(
        "kind",
        {"standard": ShippedStorageClass("rancher.io/local-path", "Delete", "WaitForFirstConsumer")},
        ships_metrics_server=False,
        source="kind v0.33.0: local-path-provisioner as `standard`; no metrics-server",
        kubernetes_versions=UPSTREAM,
        # Node images for upstream's maintained minors (github.com/kubernetes-sigs/kind/releases/tag/v0.33.0).
        kubernetes_source="kind v0.33.0 node images, dates from kubernetes.io/releases",
        is_local=True,
        # The control-plane node's kube-apiserver on 6443, on the `kind` Docker network, whose subnet
        # Docker takes from its default address pools (172.17-31.0.0/16, 192.168.0.0/16 in /20s); and
        # the `kubernetes` Service (kubeadm's default 10.96.0.0/12, port 443) for a CNI that judges
        # the packet before kube-proxy's DNAT.
        api_server=ApiServer(
            ("172.16.0.0/12", "192.168.0.0/16", "10.96.0.0/12"), (443, 6443), "kind: control-plane node and Service"
        ),
    ),
}
