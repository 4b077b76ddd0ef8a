"""`make secrets-init ENV=<env>`: create an environment's encrypted Secrets with sops.

Writes secrets/<env>/<namespace>/<name>.sops.yaml for every Secret the environment needs:
the plaintext is piped into `sops encrypt --filename-override <path> /dev/stdin`, so sops
picks the recipients from the path's .sops.yaml rule and plaintext never touches the disk.
Credentials are generated at random (the database passwords, keyfile, session secrets,
admin password) and MONGODB_URI is built from the generated app password, so the app and
the database agree from the first deploy. Required values nobody can generate are CHANGE-ME and listed at the end.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from docrouter import constants as c
from docrouter.config import ConfigError, Environment, load_environment
from docrouter.safe_yaml import safe_dump
from docrouter.sops_rules import SOPS_CONFIG, creation_rule
from docrouter.synthesis.transaction import signals_held
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.catalog import SECRETS
from docrouter_tools.secrets.values import generated_keys, initial_values, random_value, to_fill_in


class SecretsError(Exception):
    """The request cannot be done as asked; the message says what to do instead."""


def secret_path(root: Path, env_name: str, secret_name: str) -> Path:
    namespace, _ = SECRETS[secret_name]
    return root / "secrets" / env_name / namespace / f"{secret_name}.sops.yaml"


def encrypted_environment(env_name: str, action: str) -> Environment:
    if not env_name:
        raise SecretsError(f"name the environment: make {action} ENV=staging")
    try:
        env = load_environment(env_name)
    except ConfigError as exc:
        raise SecretsError(str(exc)) from None
    if env.cluster.is_local:
        raise SecretsError("Kind secrets are not encrypted: edit .env.kind and run `make kind-secrets`")
    return env


def secrets_of(env: Environment) -> list[str]:
    """The Secrets the environment reads: the app's, the database's when it runs in the cluster,
    the auto-rollback dispatch token's when auto_rollback is on."""
    wanted = {c.MONGODB_SECRET_NAME: env.in_cluster_mongodb is not None, c.GITHUB_DISPATCH_SECRET: env.auto_rollback_on}
    return [name for name in SECRETS if wanted.get(name, True)]


# MONGODB_URI in the app's Secret holds the database's generated app password: created together or not at all.
CREATED_TOGETHER = (c.APP_SECRET_NAME, c.MONGODB_SECRET_NAME)


def init(root: Path, env_name: str, force: bool = False) -> list[Path]:
    env = encrypted_environment(env_name, "secrets-init")
    names = secrets_of(env)
    paths = {name: secret_path(root, env.name, name) for name in names}
    rules = {name: creation_rule(root, path.relative_to(root).as_posix()) for name, path in paths.items()}
    existing = [name for name, path in paths.items() if path.exists()]
    if existing and not force:
        if len(existing) == len(names):
            print(f"{env.name}: every Secret exists already; change values with `make secrets-edit ENV={env.name}`.")
            return []
        tied_existing = [n for n in CREATED_TOGETHER if n in existing]
        tied_missing = [n for n in CREATED_TOGETHER if n in names and n not in existing]
        if tied_existing and tied_missing:
            raise SecretsError(
                f"{env.name}: {', '.join(str(paths[n].relative_to(root)) for n in tied_missing)} is missing but "
                f"{', '.join(str(paths[n].relative_to(root)) for n in tied_existing)} exists. They are created "
                "together so MONGODB_URI holds the database's app password. "
                f"Fix: `make secrets-init ENV={env.name} FORCE=1` creates all of them afresh (new credentials), "
                f"or `make secrets-edit ENV={env.name} SECRET=<name>` after copying the values by hand."
            )
        names = [n for n in names if n not in existing]  # the missing ones share no value with the others
    generated = {name: random_value(name) for name in generated_keys()}
    replicas = env.in_cluster_mongodb.replicas if env.in_cluster_mongodb else None
    # Encrypt everything before writing anything: the files must not end up half old, half new.
    texts, todo = {}, {}
    for name in names:
        namespace, keys = SECRETS[name]
        values = initial_values(keys, generated, replicas)
        manifest = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": metadata(name, namespace),
            "type": "Opaque",
            "stringData": values,
        }
        plaintext = safe_dump(manifest, sort_keys=False, allow_unicode=True)
        texts[name] = sops.encrypt(root / SOPS_CONFIG, paths[name], plaintext)
        todo[name] = to_fill_in(values)
    write_all_or_none({paths[name]: texts[name] for name in names}, root)
    for name in names:
        print(
            f"Wrote {paths[name].relative_to(root)} (encrypted for {', '.join(rules[name].recipients)})"
            + (
                f"; fill in {', '.join(todo[name])} with `make secrets-edit ENV={env.name} SECRET={name}`"
                if todo[name]
                else ""
            )
        )
    optional = [key.name for key in SECRETS[c.APP_SECRET_NAME][1] if not key.required]
    print(f"Optional keys to add when used (secrets/TEMPLATE.md): {', '.join(optional)}.")
    print("Commit the files, then `make synth` ships them to dist/.")
    return [paths[name] for name in names]


def metadata(name: str, namespace: str) -> dict:
    meta: dict = {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/part-of": c.PART_OF}}
    if name == c.MONGODB_SECRET_NAME:
        # The database cannot start without its keyfile and passwords: never let Flux prune them.
        meta["annotations"] = dict(c.PRUNE_DISABLED)
    return meta


def write_all_or_none(texts: dict[Path, str], root: Path) -> None:
    """Write every file or leave every one as it was: MONGODB_URI must keep matching the database password.

    Each file is written to a temporary file beside it first; only then are they renamed into place,
    with the signals that would interrupt held back. Should a rename still fail, the files already
    replaced get their old content back.
    """
    originals = {path: path.read_bytes() if path.is_file() else None for path in texts}
    temporaries: dict[Path, str] = {}
    replaced: list[Path] = []
    try:
        for path, text in texts.items():
            temporaries[path] = _write_temporary(path, text)
        with signals_held():
            for path, temporary in temporaries.items():
                os.replace(temporary, path)
                replaced.append(path)
    except OSError as exc:
        for path in replaced:
            before = originals[path]
            if before is None:
                path.unlink(missing_ok=True)
            else:
                write_atomically(path, before.decode("utf-8"))
        where = Path(exc.filename).relative_to(root) if exc.filename and Path(exc.filename).is_relative_to(root) else ""
        raise SecretsError(
            f"cannot write {where or 'the secrets'}: {exc.strerror or exc}; no file was changed. "
            "Fix: check the folder's permissions and free space, then run the command again."
        ) from None
    finally:
        for temporary in temporaries.values():
            if os.path.exists(temporary):
                os.unlink(temporary)


def _write_temporary(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return temporary


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
