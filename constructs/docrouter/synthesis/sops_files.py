"""SOPS-encrypted Secrets: committed under secrets/<env>/<namespace>/<name>.sops.yaml.

Synth copies each file into the layer that needs it, byte for byte. The SOPS MAC covers
the values in document order (not the file's bytes), so a careful re-dump would still
verify; copying is still right because it is the only way to be sure nothing changes what
sops and Flux will read (quoting, number and date formats, key order) and the committed
file stays exactly what the reviewer saw. Each file is parsed only for the guard: it must
be an encrypted Secret of the right name, encrypted for exactly the recipients .sops.yaml
names for the environment (a staging file copied into production would otherwise ship,
and fail to decrypt there).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from docrouter.layers import layer_for_secret_namespace
from docrouter.paths import SECRETS_DIR, SOPS_SUFFIX
from docrouter.preflight import PreflightError
from docrouter.safe_yaml import safe_load
from docrouter.sops_rules import creation_rule
from docrouter.synthesis.checks import SynthError, is_sops_encrypted, recipients_of
from docrouter.synthesis.secret_shape import SHAPE_FIX, shape_problem
from docrouter.tree_files import TreeFileError, read_regular

SUFFIX = SOPS_SUFFIX


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
        try:
            raw = read_regular(source)
        except TreeFileError as exc:
            raise SynthError(f"{where}: {exc}. Fix: replace it with the encrypted file from git.") from None
        try:
            doc = safe_load(raw)
        except yaml.YAMLError:
            fix = f"re-create it with `make secrets-init ENV={env}`"
            raise SynthError(f"{where}: not valid YAML. Fix: {fix}.") from None
        if not isinstance(doc, dict) or doc.get("kind") != "Secret" or not is_sops_encrypted(doc):
            raise SynthError(
                f"{where}: is not a SOPS-encrypted Secret (needs `sops` metadata with a MAC and age recipients, "
                f"and ENC[...] for every non-empty value). Fix: create it with `make secrets-init ENV={env}` "
                f"or change it with `make secrets-edit ENV={env}`; never commit plain Secrets."
            )
        shape = shape_problem(doc)
        if shape:
            raise SynthError(f"{where}: {shape}. Fix: {SHAPE_FIX}.")
        meta = doc.get("metadata") or {}
        if meta.get("name") != name or meta.get("namespace") != namespace:
            raise SynthError(
                f"{where}: holds Secret {meta.get('namespace')}/{meta.get('name')}, but its path says "
                f"{namespace}/{name}. Fix: rename the file or the Secret so they agree."
            )
        problem = recipient_problem(env, secrets_dir.parent, namespace, name, doc)
        if problem:
            raise SynthError(f"{where}: {problem[0]}. Fix: {problem[1]}.")
        files[f"{layer.path}/{namespace}/secret-{name}{SUFFIX}"] = raw
    return files


def source_path(env: str, namespace: str, name: str) -> str:
    """Where the Secret's SOPS file lives, relative to the repository (what .sops.yaml rules match)."""
    return f"secrets/{env}/{namespace}/{name}{SUFFIX}"


def recipient_problem(env: str, root: Path, namespace: str, name: str, doc: dict) -> tuple[str, str] | None:
    """(what is wrong, the fix) when the file's age recipients differ from its .sops.yaml rule, else None."""
    relative = source_path(env, namespace, name)
    found = ", ".join(sorted(recipients_of(doc))) or "nobody"
    try:
        rule = creation_rule(root, relative)
    except PreflightError as exc:
        return str(exc), (
            f"name the key(s) it is encrypted for ({found}) in .sops.yaml, "
            f"or `make secrets-init ENV={env} FORCE=1` to create new credentials"
        )
    if sorted(recipients_of(doc)) != sorted(rule.recipients):
        return (
            f"is encrypted for {found}, but .sops.yaml names {', '.join(sorted(rule.recipients))} for {env}",
            f"`sops updatekeys {relative}` with a key that decrypts it, "
            f"or `make secrets-init ENV={env} FORCE=1` to create new credentials",
        )
    return None
