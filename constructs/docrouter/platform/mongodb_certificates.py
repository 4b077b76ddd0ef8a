"""Layer "infra-configs": the certificates MongoDB's TLS runs on (names and why: mongodb_tls.py).

Here and not in the database layer: cert-manager's CRDs exist from infra-controllers on, and Flux waits
for this layer's Certificates to be Ready (layers.py health checks) before the database layer starts, so
the operator never sees a MongoDBCommunity whose certificate Secret is still missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from constructs import Construct

from docrouter import constants as c
from docrouter import kinds
from docrouter import mongodb_tls as tls
from docrouter.platform import api_objects
from docrouter.platform.building_blocks import api_object

# A leaf is valid for cert-manager's default 90 days and renewed a third before; the operator watches
# the Secrets and rolls the new certificate out (mongodb_tls.go validateTLSConfig: secretWatcher).
# The CA lives ten years and keeps its key when renewed (rotationPolicy Never; the default is Always
# since cert-manager v1.18), so certificates signed before a renewal still verify against the new CA.
CA_DURATION = "87600h"
SERVER_USAGES = ["digital signature", "key encipherment", "server auth", "client auth"]
CLIENT_USAGES = ["digital signature", "key encipherment", "client auth"]


@dataclass(frozen=True)
class MongoDBCertificatesProps:
    # Members of the replica set: each gets its DNS names on the server certificate. None: no
    # in-cluster MongoDB with TLS (Kind, or an external database), nothing is created.
    members: int | None = None


def _issuer_ref(gvk: tuple[str, str], name: str) -> dict[str, str]:
    return {"group": kinds.group_of(gvk), "kind": gvk[1], "name": name}


class MongoDBCertificates(Construct):
    def __init__(self, scope: Construct, id: str, *, props: MongoDBCertificatesProps) -> None:
        super().__init__(scope, id)
        if props.members is None:
            return
        self.labels = dict(c.PART_OF_LABEL)
        api_object(
            self,
            api_objects.Issuer,
            name=tls.SELF_SIGNED_ISSUER,
            namespace=c.CERT_MANAGER_NAMESPACE,
            labels=self.labels,
            body={"spec": {"selfSigned": {}}},
        )
        self._certificate(
            tls.CA_CERTIFICATE,
            c.CERT_MANAGER_NAMESPACE,
            {
                "isCA": True,
                "commonName": tls.CA_CERTIFICATE,
                "secretName": tls.CA_SECRET,
                "duration": CA_DURATION,
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Never"},
                "issuerRef": _issuer_ref(kinds.ISSUER, tls.SELF_SIGNED_ISSUER),
            },
        )
        api_object(
            self,
            api_objects.ClusterIssuer,
            name=tls.CA_ISSUER,
            labels=self.labels,
            body={"spec": {"ca": {"secretName": tls.CA_SECRET}}},
        )
        signed_by_ca = {"issuerRef": _issuer_ref(kinds.CLUSTER_ISSUER, tls.CA_ISSUER)}
        self._certificate(
            tls.SERVER_CERTIFICATE,
            c.MONGODB_NAMESPACE,
            {
                "secretName": tls.SERVER_SECRET,
                "dnsNames": tls.member_names(props.members),
                "usages": SERVER_USAGES,
                **signed_by_ca,
            },
        )
        self._certificate(
            tls.SEARCH_CERTIFICATE,
            c.MONGODB_NAMESPACE,
            {"secretName": tls.SEARCH_SECRET, "dnsNames": tls.search_names(), "usages": SERVER_USAGES, **signed_by_ca},
        )
        self._certificate(
            tls.CLIENT_CERTIFICATE,
            c.APP_NAMESPACE,
            {"secretName": tls.CLIENT_SECRET, "commonName": c.PART_OF, "usages": CLIENT_USAGES, **signed_by_ca},
        )

    def _certificate(self, name: str, namespace: str, spec: dict[str, Any]) -> None:
        api_object(
            self, api_objects.Certificate, name=name, namespace=namespace, labels=self.labels, body={"spec": spec}
        )
