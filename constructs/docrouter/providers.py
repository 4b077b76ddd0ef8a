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
class Provider:
    name: str
    storage_classes: dict[str, ShippedStorageClass]
    # metrics-server (the resource metrics API an HPA reads): shipped, or installed by synth.
    ships_metrics_server: bool
    source: str


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
    ),
    "kind": Provider(
        "kind",
        {"standard": ShippedStorageClass("rancher.io/local-path", "Delete", "WaitForFirstConsumer")},
        ships_metrics_server=False,
        source="kind v0.29.0: local-path-provisioner as `standard`; no metrics-server",
    ),
}
