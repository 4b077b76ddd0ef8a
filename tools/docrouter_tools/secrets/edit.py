"""`make secrets-edit ENV=<env>`: open an environment's encrypted Secret in `sops edit`.

Files live at secrets/<env>/<namespace>/<secret-name>.sops.yaml. When the environment has
none yet they are created first, exactly as `make secrets-init` does; sops then decrypts
the file into a private temporary file, opens $EDITOR and re-encrypts on save. sops needs
the private key: SOPS_AGE_KEY_FILE (or SOPS_AGE_KEY) in the environment.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from docrouter import constants as c
from docrouter.safe_yaml import safe_load
from docrouter.sops_rules import SOPS_CONFIG, creation_rule
from docrouter.synthesis.secret_shape import SHAPE_FIX, shape_problem
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.init import SecretsError, encrypted_environment, init, secret_path, write_atomically


def edit(root: Path, env_name: str, secret_name: str) -> None:
    env = encrypted_environment(env_name, "secrets-edit")
    if secret_name == c.MONGODB_SECRET_NAME and not env.in_cluster_mongodb:
        raise SecretsError(
            f"{env_name} uses an external MongoDB; it has no {c.MONGODB_SECRET_NAME} (set MONGODB_URI instead)"
        )
    sops.sops_executable()  # missing sops: say so before creating anything
    path = secret_path(root, env.name, secret_name)
    creation_rule(root, path.relative_to(root).as_posix())
    if not path.exists():
        init(root, env.name)
    before = path.read_bytes()
    if not sops.edit(root / SOPS_CONFIG, path):
        print(f"{path.relative_to(root)}: no change (the editor closed without changes).")
        return
    problem = _plain_field_problem(path)
    if problem:
        # sops wrote those fields in plain text: put the file back rather than leave them on disk.
        write_atomically(path, before.decode("utf-8"))
        raise SecretsError(
            f"{path.relative_to(root)} {problem}; the edit was not kept (the file is as before). Fix: {SHAPE_FIX}."
        )
    print(f"{path.relative_to(root)} is encrypted; commit it.")


def _plain_field_problem(path: Path) -> str | None:
    try:
        doc = safe_load(path.read_bytes())
    except yaml.YAMLError:
        return "is no longer valid YAML"
    if not isinstance(doc, dict):
        return "is no longer a Secret"
    return shape_problem(doc)
