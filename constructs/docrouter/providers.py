"""What each cluster provider ships before Flux applies anything: one place for those facts.

Synth must never redefine an object a provider already created with different immutable
fields (the API server rejects the apply and the whole Flux layer fails), and must not
install what the provider already runs. Each fact names where it was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    api_server: ApiServer


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
        # The control plane's public address, different per cluster; a plain NetworkPolicy cannot name
        # it in advance (Cilium's `kube-apiserver` entity needs a CiliumNetworkPolicy): HTTPS only.
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
        source="kind v0.29.0: local-path-provisioner as `standard`; no metrics-server",
        # The control-plane node's kube-apiserver on 6443, on the `kind` Docker network, whose subnet
        # Docker takes from its default address pools (172.17-31.0.0/16, 192.168.0.0/16 in /20s); and
        # the `kubernetes` Service (kubeadm's default 10.96.0.0/12, port 443) for a CNI that judges
        # the packet before kube-proxy's DNAT.
        api_server=ApiServer(
            ("172.16.0.0/12", "192.168.0.0/16", "10.96.0.0/12"), (443, 6443), "kind: control-plane node and Service"
        ),
    ),
}
