"""Where the in-cluster replica set answers, and the MONGODB_URI that names it.

Facts derived from constants.py and the operator's naming (operated.py says where that was read),
kept free of cdk8s: `make secrets-init` and `make kind-secrets` build MONGODB_URI from them without
starting Node, and the database construct (platform/mongodb.py) writes the same hosts.
"""

from __future__ import annotations

from docrouter import constants as c

# What stands for the app user's password in the URI until a real one is filled in.
APP_PASSWORD_PLACEHOLDER = "<app-password>"


def service_dns() -> str:
    return f"{c.MONGODB_SERVICE}.{c.MONGODB_NAMESPACE}.svc.cluster.local"


def member_host(ordinal: int) -> str:
    """Pod DNS name the operator gives each member (searchcontroller HostSeeds uses the same)."""
    return f"{c.MONGODB_NAME}-{ordinal}.{service_dns()}:{c.MONGODB_PORT}"


def connection_uri_template(replicas: int) -> str:
    """What MONGODB_URI in doc-router-secrets looks like: the operator's hosts and replica set name."""
    hosts = ",".join(member_host(i) for i in range(replicas))
    return (
        f"mongodb://{c.MONGODB_APP_USER}:{APP_PASSWORD_PLACEHOLDER}@{hosts}/"
        f"?replicaSet={c.MONGODB_NAME}&authSource=admin"
    )
