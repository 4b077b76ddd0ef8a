"""apiVersion and kind of the custom resources whose type more than one module names, without cdk8s.

platform/typed.py builds them; layers.py (Flux health checks) and synthesis/checks.py (which controller
installs each CRD) read the same names here, so a version bump is one edit.
"""

from __future__ import annotations

MONGODB_COMMUNITY = ("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity")
MONGODB_SEARCH = ("mongodb.com/v1", "MongoDBSearch")
CLUSTER_ISSUER = ("cert-manager.io/v1", "ClusterIssuer")


def group_of(gvk: tuple[str, str]) -> str:
    return gvk[0].partition("/")[0]
