"""The values a new environment's Secrets start from, shared by `make kind-secrets` and `make secrets-init`.

Random credentials are generated here (one place for their format); MONGODB_URI is built
from the in-cluster database's app password so the two Secrets always agree.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

from docrouter.mongodb_hosts import APP_PASSWORD_PLACEHOLDER, connection_uri_template
from docrouter_tools.secrets.catalog import SECRETS, SecretKey

# Required values nobody can generate (ADMIN_EMAIL): a marker `make secrets-init` lists as to-do.
CHANGE_ME = "CHANGE-ME"


def random_value(name: str) -> str:
    # Hex: safe in URIs, shell scripts and YAML without quoting.
    return secrets.token_hex(24)


def generated_keys() -> list[str]:
    return [key.name for _, keys in SECRETS.values() for key in keys if key.generated]


def mongodb_uri(replicas: int, app_password: str) -> str:
    return connection_uri_template(replicas).replace(APP_PASSWORD_PLACEHOLDER, quote(app_password, safe=""))


def initial_values(keys: tuple[SecretKey, ...], generated: dict[str, str], db_replicas: int | None) -> dict[str, str]:
    """Catalog order; generated keys random, MONGODB_URI built, other required keys CHANGE-ME,
    optional ones left out."""
    values: dict[str, str] = {}
    for key in keys:
        if key.generated:
            values[key.name] = generated[key.name]
        elif key.name == "MONGODB_URI" and db_replicas is not None:
            values[key.name] = mongodb_uri(db_replicas, generated["app-password"])
        elif key.required:
            values[key.name] = CHANGE_ME
    return values


def to_fill_in(values: dict[str, str]) -> list[str]:
    return [name for name, value in values.items() if value == CHANGE_ME]
