"""The plaintext a new encrypted Secret starts from: every key, described, as a Secret manifest."""

from __future__ import annotations

import json

from ..config import Environment
from .catalog import SECRETS

CHANGE_ME = "CHANGE-ME"


def initial_secret(env: Environment, secret_name: str) -> str:
    namespace, keys = SECRETS[secret_name]
    lines = [
        f"# {secret_name} for {env.name}: replace every {CHANGE_ME}; delete optional keys you do not use.",
        "# Keys and their meaning: secrets/TEMPLATE.md. Values are encrypted by SOPS on save.",
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        f"  name: {secret_name}",
        f"  namespace: {namespace}",
        "type: Opaque",
        "stringData:",
    ]
    for key in keys:
        lines.append(f"  # {key.description} ({'required' if key.required else 'optional'})")
        lines.append(f"  {key.name}: {json.dumps(placeholder(env, key.name, key.required))}")
    return "\n".join(lines) + "\n"


def placeholder(env: Environment, key: str, required: bool) -> str:
    if key == "MONGODB_URI" and env.mongodb.mode == "in-cluster":
        from ..mongodb import connection_uri_template  # imports cdk8s: only when needed

        return connection_uri_template(env.mongodb.replicas)
    return CHANGE_ME if required else ""
