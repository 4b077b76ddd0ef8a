"""`make kind-secrets`: the age key and the development Secrets of the Kind cluster.

Nothing here is committed: the age key and the generated credentials live in the
ignored .cache/kind/<cluster>/, the developer's own values in the ignored .env.kind.
Generated values are made once and reused, so re-running changes nothing unless
.env.kind changed.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from docrouter import constants as c
from docrouter.config import load_environment
from docrouter.preflight import require
from docrouter.providers import PROVIDERS
from docrouter.runner import run
from docrouter.safe_yaml import safe_dump_all
from docrouter_tools.kind.cluster import require_cluster_context
from docrouter_tools.kind.envfile import EnvFileError, read_env_file
from docrouter_tools.kind.workspace import Workspace
from docrouter_tools.secrets.agekeys import generate_identity, key_file_text
from docrouter_tools.secrets.catalog import APP_SECRET_KEYS
from docrouter_tools.secrets.values import generated_keys, mongodb_uri, random_value

FIELD_MANAGER = "docrouter-kind-secrets"


def apply_dev_secrets(ws: Workspace) -> None:
    require(("kubectl",))
    env = load_environment("kind")
    own_values = read_env_file(ws.env_file, {key.name for key in APP_SECRET_KEYS})
    in_cluster_db = env.in_cluster_mongodb
    generated = generated_values(ws.generated_secrets)
    app_values = app_secret_values(own_values, generated, in_cluster_db.replicas if in_cluster_db else None)
    require_cluster_context(ws)
    age_key = ensure_age_key(ws.age_key)

    namespaces = [c.FLUX_NAMESPACE, c.APP_NAMESPACE] + ([c.MONGODB_NAMESPACE] if in_cluster_db else [])
    apply(ws, [namespace(name) for name in namespaces])
    manifests = [
        secret(c.AGE_SECRET_NAME, c.FLUX_NAMESPACE, {c.AGE_SECRET_KEY: age_key}),
        secret(c.APP_SECRET_NAME, c.APP_NAMESPACE, app_values),
    ]
    if in_cluster_db:
        manifests.append(
            secret(c.MONGODB_SECRET_NAME, c.MONGODB_NAMESPACE, {k: generated[k] for k in c.MONGODB_SECRET_KEYS})
        )
    apply(ws, manifests)
    names = ", ".join(f"{m['metadata']['namespace']}/{m['metadata']['name']}" for m in manifests)
    print(f"\nSecrets are in cluster '{ws.cluster}': {names}.")
    print(
        f"If the app already runs, restart it to read changed values: "
        f"kubectl --context {ws.context} -n {c.APP_NAMESPACE} rollout restart deployment"
    )


def app_secret_values(own: dict[str, str], generated: dict[str, str], db_replicas: int | None) -> dict[str, str]:
    values = dict(own)
    for key in APP_SECRET_KEYS:
        if key.generated and key.name not in values:
            values[key.name] = generated[key.name]
    if db_replicas is not None:
        if "MONGODB_URI" in own:
            raise EnvFileError(
                "MONGODB_URI is set in .env.kind, but the Kind cluster runs its own MongoDB and "
                "`make kind-secrets` builds the URI from its generated credentials. Remove MONGODB_URI from .env.kind."
            )
        values["MONGODB_URI"] = mongodb_uri(db_replicas, generated["app-password"])
    missing = [key.name for key in APP_SECRET_KEYS if key.required_on(PROVIDERS["kind"]) and key.name not in values]
    if missing:
        raise EnvFileError(f".env.kind: set {', '.join(missing)} (required; see .env.kind.example)")
    return {key.name: values[key.name] for key in APP_SECRET_KEYS if key.name in values}


def generated_values(path: Path) -> dict[str, str]:
    """Random credentials, made once per cluster and kept; missing ones are added."""
    values = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    missing = [name for name in generated_keys() if name not in values]
    for name in missing:
        values[name] = random_value(name)
    if missing:
        write_private(path, json.dumps(values, indent=2, sort_keys=True) + "\n")
        print(f"Generated {', '.join(missing)} into {path} (kept for re-runs).")
    return values


def ensure_age_key(path: Path) -> str:
    if path.is_file():
        print(f"Using the existing age key {path}.")
    else:
        # Same file format as `age-keygen -o`, without needing the age tools installed.
        identity, recipient = generate_identity()
        write_private(path, key_file_text(identity, recipient))
        print(f"Created the age key {path} (public key {recipient}).")
    return path.read_text(encoding="utf-8")


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # O_CREAT's mode applies only to a new file: an existing one (copied in, or made by an older
    # version) would keep its mode, so set 0600 every time, before anything is written.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def secret(name: str, namespace_name: str, values: dict[str, str]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace_name,
            "labels": {"app.kubernetes.io/part-of": c.PART_OF, "app.kubernetes.io/managed-by": "make-kind-secrets"},
        },
        "type": "Opaque",
        "data": {key: base64.b64encode(value.encode()).decode() for key, value in values.items()},
    }


def apply(ws: Workspace, manifests: list[dict]) -> None:
    # Server-side apply: idempotent, drops keys removed from .env.kind, and (unlike
    # client-side apply) keeps no copy of the Secret in an annotation. Values go on stdin.
    run(
        ws.kubectl("apply", "--server-side", "--force-conflicts", f"--field-manager={FIELD_MANAGER}", "-f", "-"),
        stdin=safe_dump_all(manifests, sort_keys=False),
    )
