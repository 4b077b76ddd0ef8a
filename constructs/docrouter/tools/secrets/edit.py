"""`make secrets-edit ENV=<env>`: open an environment's encrypted Secret in `sops edit`.

Files live at secrets/<env>/<namespace>/<secret-name>.sops.yaml. When the environment has
none yet they are created first, exactly as `make secrets-init` does; sops then decrypts
the file into a private temporary file, opens $EDITOR and re-encrypts on save. sops needs
the private key: SOPS_AGE_KEY_FILE (or SOPS_AGE_KEY) in the environment.
"""

from __future__ import annotations

from pathlib import Path

from docrouter import constants as c
from docrouter.tools.secrets import sops
from docrouter.tools.secrets.init import SecretsError, encrypted_environment, init, secret_path
from docrouter.tools.secrets.rules import SOPS_CONFIG, creation_rule


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
    if sops.edit(root / SOPS_CONFIG, path):
        print(f"{path.relative_to(root)} is encrypted; commit it.")
    else:
        print(f"{path.relative_to(root)}: no change (the editor closed without changes).")
