"""`make secrets-edit ENV=<env>`: open (or create) an environment's encrypted Secret in sops.

Files live at secrets/<env>/<namespace>/<secret-name>.sops.yaml. A missing file is
created from the template, encrypted with the environment's creation rule in
.sops.yaml; plaintext only ever exists in a private temporary file outside the repo.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import yaml

from .. import constants as c
from ..config import ConfigError, load_environment
from ..preflight import PreflightError, require
from ..runner import run
from .catalog import SECRETS
from .template import initial_secret

PLACEHOLDER_MARK = "REPLACE_WITH"


class SecretsError(Exception):
    """The request cannot be done as asked; the message says what to do instead."""


def secret_path(root: Path, env_name: str, secret_name: str) -> Path:
    namespace, _ = SECRETS[secret_name]
    return root / "secrets" / env_name / namespace / f"{secret_name}.sops.yaml"


def edit(root: Path, env_name: str, secret_name: str) -> None:
    if not env_name:
        raise SecretsError("name the environment: make secrets-edit ENV=staging")
    try:
        env = load_environment(env_name)
    except ConfigError as exc:
        raise SecretsError(str(exc)) from None
    if env.provider == "kind":
        raise SecretsError("Kind secrets are not encrypted: edit .env.kind and run `make kind-secrets`")
    if secret_name == c.MONGODB_SECRET_NAME and env.mongodb.mode != "in-cluster":
        raise SecretsError(f"{env_name} uses an external MongoDB; it has no {c.MONGODB_SECRET_NAME} (set MONGODB_URI instead)")
    require(("sops",))
    config = root / ".sops.yaml"
    path = secret_path(root, env_name, secret_name)
    check_creation_rule(config, path.relative_to(root).as_posix())
    if not path.exists():
        create_encrypted(config, path, initial_secret(env, secret_name))
    run(["sops", "--config", str(config), "edit", str(path)])
    print(f"{path.relative_to(root)} is encrypted; commit it.")


def check_creation_rule(config: Path, relative_path: str) -> None:
    if not config.is_file():
        raise PreflightError(f"{config} is missing: it holds the age recipients per environment")
    rules = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("creation_rules", [])
    rule = next((r for r in rules if re.search(r.get("path_regex", ""), relative_path)), None)
    if rule is None:
        raise PreflightError(f"no creation rule in {config} matches {relative_path}; add one for this environment")
    if PLACEHOLDER_MARK in str(rule.get("age", "")):
        raise PreflightError(
            f"the creation rule for {relative_path} in {config} still has the placeholder {rule['age']}: "
            "replace it with your team's age public key (age1...)"
        )


def create_encrypted(config: Path, path: Path, plaintext: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, plain = tempfile.mkstemp(suffix=".yaml")  # mode 0600, outside the repository
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(plaintext)
        # The creation rule is chosen by --filename-override (the real path), not the temp file's name.
        ciphertext = run(
            ["sops", "--config", str(config), "encrypt", "--filename-override", str(path),
             "--input-type", "yaml", "--output-type", "yaml", plain],
            capture=True,
        )
    finally:
        os.unlink(plain)
    path.write_text(ciphertext, encoding="utf-8")
    print(f"Created {path} from the template (encrypted).")
