"""SOPS-encrypted Secrets: committed under secrets/<env>/<namespace>/<name>.sops.yaml.

Synth copies each file into the layer that needs it, byte for byte: the SOPS MAC
covers the document as written, so the file is never parsed and re-dumped. It is
parsed only to check that it really is an encrypted Secret of the right name, encrypted
for exactly the recipients .sops.yaml names for the environment (a staging file copied
into production would otherwise ship, and fail to decrypt there).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .checks import SynthError, is_sops_encrypted
from .layers import layer_for_secret_namespace
from .preflight import PreflightError
from .secrets.rules import creation_rule
from .secrets.sopsfile import recipients_of

SECRETS_DIR = Path(__file__).resolve().parents[2] / "secrets"
SUFFIX = ".sops.yaml"


def sops_secret_files(env: str, secrets_dir: Path = SECRETS_DIR) -> dict[str, bytes]:
    """dist-relative path → exact bytes of every encrypted Secret of the environment."""
    folder = secrets_dir / env
    files: dict[str, bytes] = {}
    for source in sorted(folder.glob(f"*/*{SUFFIX}")) if folder.is_dir() else []:
        namespace, name = source.parent.name, source.name[: -len(SUFFIX)]
        layer = layer_for_secret_namespace(namespace)
        where = f"environment '{env}': {source.relative_to(secrets_dir.parent)}"
        if layer is None:
            raise SynthError(f"{where}: no layer ships Secrets of namespace '{namespace}'. Fix: see layers.py.")
        raw = source.read_bytes()
        try:
            doc = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise SynthError(f"{where}: not valid YAML ({exc}). Fix: re-create it with `make secrets-edit`.") from None
        if not isinstance(doc, dict) or doc.get("kind") != "Secret" or not is_sops_encrypted(doc):
            raise SynthError(
                f"{where}: is not a SOPS-encrypted Secret (needs `sops` metadata and ENC[...] values). "
                f"Fix: create it with `make secrets-init ENV={env}` or encrypt it with `make secrets-edit ENV={env}`; "
                "never commit plain Secrets."
            )
        meta = doc.get("metadata") or {}
        if meta.get("name") != name or meta.get("namespace") != namespace:
            raise SynthError(
                f"{where}: holds Secret {meta.get('namespace')}/{meta.get('name')}, but its path says "
                f"{namespace}/{name}. Fix: rename the file or the Secret so they agree."
            )
        check_recipients(env, where, secrets_dir.parent, source, doc)
        files[f"{layer.path}/{namespace}/secret-{name}{SUFFIX}"] = raw
    return files


def check_recipients(env: str, where: str, root: Path, source: Path, doc: dict) -> None:
    try:
        rule = creation_rule(root, source.relative_to(root).as_posix())
    except PreflightError as exc:
        raise SynthError(f"{where}: {exc}") from None
    found = sorted(recipients_of(doc))
    if found != sorted(rule.recipients):
        raise SynthError(
            f"{where}: is encrypted for {', '.join(found)}, but .sops.yaml names {', '.join(sorted(rule.recipients))} "
            f"for {env}. Fix: `sops updatekeys {source.relative_to(root)}` with a key that decrypts it, "
            f"or `make secrets-init ENV={env} FORCE=1` to create new credentials."
        )
