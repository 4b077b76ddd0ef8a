"""Synthesis: constructs → plain YAML files under dist/<env>/, deterministically.

All environments are loaded and rendered in memory first; only when every one of
them is valid are files written, every folder into this run's own staging folder, and
then all are swapped in together (transaction.py). A bad config, a failed guard, a
failed write or an interrupt therefore leaves dist/ and clusters/ untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml
from cdk8s import App

from docrouter.config import Environment
from docrouter.layers import LAYERS
from docrouter.paths import GENERATED_BY, KUSTOMIZATION
from docrouter.platform.api_objects import chart_objects, check_schema
from docrouter.platform.flux import FluxChart
from docrouter.safe_yaml import FastSafeDumper
from docrouter.synthesis.checks import (
    SynthError,
    check_api_rules,
    check_configmaps_hold_no_credentials,
    check_crd_layering,
    check_no_plain_secrets,
    check_unique,
)
from docrouter.synthesis.grants import check_layer_grants
from docrouter.synthesis.layer_builders import CHARTS
from docrouter.synthesis.sops_files import sops_secret_files
from docrouter.synthesis.transaction import Transaction, output_lock, recover, write_files

# A file's content: text we generated, or the exact bytes of a committed SOPS file.
Content = str | bytes

# Refuse to replace an environment with fewer than this share of its committed objects.
SHRINK_LIMIT = 0.5


class _Dumper(FastSafeDumper):
    """Block style everywhere; multi-line strings (scripts, configs) as literal blocks (libyaml when present)."""


def _str(dumper: _Dumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(data: object) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=120, allow_unicode=True)


def _ordered(obj: dict) -> dict:
    """apiVersion, kind, metadata (name, namespace, labels, annotations) first: how people read YAML."""
    meta = obj.get("metadata", {})
    meta_order = ["name", "namespace", "labels", "annotations"]
    metadata = {k: meta[k] for k in meta_order if k in meta} | {k: v for k, v in meta.items() if k not in meta_order}
    head = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": metadata}
    return head | {k: v for k, v in obj.items() if k not in head}


def file_name(obj: dict) -> str:
    meta = obj["metadata"]
    folder = meta.get("namespace") or "cluster-scoped"
    return f"{folder}/{obj['kind'].lower()}-{meta['name']}.yaml"


def build_layers(env: Environment) -> dict[str, list[dict]]:
    """Layer path → its objects, in apply order; empty layers are left out."""
    app = App()
    layered: dict[str, list[dict]] = {}
    for layer in LAYERS:
        try:
            chart = CHARTS[layer.name](app, env)
            objects = [_ordered(o) for o in chart_objects(chart)]
            for obj in objects:
                check_schema(obj, env.kubernetes_version)
        except ValueError as exc:  # a construct refusing a value, or a field its schema refuses: one line
            raise SynthError(f"environment '{env.name}': layer '{layer.path}': {exc}") from None
        if objects:
            layered[layer.path] = objects
    check_unique(env.name, layered)
    check_no_plain_secrets(env.name, (o for objs in layered.values() for o in objs))
    check_configmaps_hold_no_credentials(env.name, (o for objs in layered.values() for o in objs))
    check_crd_layering(env.name, layered)
    check_api_rules(env.name, (o for objs in layered.values() for o in objs))
    check_layer_grants(env.name, layered)
    return layered


def render(env: Environment) -> dict[str, Content]:
    """Relative path under dist/<env>/ → file content."""
    files: dict[str, Content] = {}
    layered = build_layers(env)
    secrets = sops_secret_files(env.name)
    for path, objects in layered.items():
        names = []
        for obj in objects:
            name = file_name(obj)
            files[f"{path}/{name}"] = f"{GENERATED_BY}\n{to_yaml(obj)}"
            names.append(name)
        for secret_path, raw in secrets.items():
            if secret_path.startswith(f"{path}/"):
                files[secret_path] = raw
                names.append(secret_path[len(path) + 1 :])
        kustomization = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": sorted(names),
        }
        files[f"{path}/{KUSTOMIZATION}"] = f"{GENERATED_BY}\n{to_yaml(kustomization)}"
    return dict(sorted(files.items()))


def render_clusters(env: Environment, dist_files: dict[str, Content]) -> dict[str, str]:
    """File name under clusters/<env>/ → content, for the layers present in dist_files."""
    present = sorted({p.rsplit("/", 1)[0] for p in dist_files if p.endswith(f"/{KUSTOMIZATION}")})
    # clusters/ is committed too: the same checks as for dist/.
    try:
        objects = FluxChart(App(), env, present).rendered()
        for obj in objects.values():
            check_schema(obj, env.kubernetes_version)
    except ValueError as exc:
        raise SynthError(f"environment '{env.name}': clusters/{env.name}: {exc}") from None
    check_no_plain_secrets(env.name, objects.values())
    check_configmaps_hold_no_credentials(env.name, objects.values())
    check_api_rules(env.name, objects.values())
    return {name: f"{GENERATED_BY}\n{to_yaml(obj)}" for name, obj in objects.items()}


def count_objects(folder: Path) -> int:
    """Objects in an existing dist/<env>/ (kustomization files are not objects)."""
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.rglob("*.yaml") if p.name != KUSTOMIZATION)


def count_committed_objects(folder: Path) -> int | None:
    """Objects under folder in the last commit; None when folder is not inside a git checkout with a commit."""
    existing = next((p for p in (folder, *folder.parents) if p.is_dir()), None)
    if existing is None:
        return None
    try:
        listed = subprocess.run(
            ["git", "ls-tree", "-r", "--name-only", "HEAD", "--", os.path.relpath(folder, existing)],
            cwd=existing,
            capture_output=True,
            text=True,
        )
    except OSError:  # no git on this machine
        return None
    if listed.returncode != 0:  # not a checkout, no commit yet, or folder outside the checkout
        return None
    return sum(
        1 for line in listed.stdout.splitlines() if line.endswith(".yaml") and not line.endswith(f"/{KUSTOMIZATION}")
    )


def check_shrink(env: str, target: Path, files: Mapping[str, Content], allow_shrink: bool) -> None:
    """Flux prunes whatever leaves dist/: refuse to lose most of an environment by accident.

    The baseline is the last commit, which is what Flux applies; the working tree is no
    baseline because `cdk8s synth` deletes dist/ before it runs main.py. Outside git (a
    throwaway --out folder) or where nothing is committed yet, the folder's content is the baseline.
    """
    committed = count_committed_objects(target)
    before = committed or count_objects(target)
    after = sum(1 for p in files if not p.endswith(KUSTOMIZATION))
    if before and after < before * SHRINK_LIMIT and not allow_shrink:
        raise SynthError(
            f"environment '{env}': synth would shrink {target} from {before} to {after} objects"
            f"{' (counted in the last commit)' if committed else ''}, and Flux would delete the difference "
            "from the cluster. Fix: if that is intended, run again with ALLOW_SHRINK=1."
        )


def _bytes(content: Content) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def _write(path: Path, content: Content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_bytes(content))


def holds_exactly(target: Path, files: Mapping[str, Content]) -> bool:
    """Whether target already holds these files and nothing else (regular files, same bytes)."""
    if not target.is_dir() or target.is_symlink():
        return False
    expected_dirs = {parent for path in files for parent in Path(path).parents if parent != Path(".")}
    for entry in target.rglob("*"):
        relative = entry.relative_to(target)
        if entry.is_symlink() or (entry.is_dir() and relative not in expected_dirs):
            return False
        if not entry.is_dir() and relative.as_posix() not in files:
            return False
    return all(_is_file_with(target / path, content) for path, content in files.items())


def _is_file_with(path: Path, content: Content) -> bool:
    expected = _bytes(content)
    return path.is_file() and path.stat().st_size == len(expected) and path.read_bytes() == expected


def write_tree(target: Path, files: Mapping[str, Content]) -> None:
    """Replace target by exactly these files in one swap (never a half-written target).

    A target that already holds exactly these files is left as it is: nothing to write, and
    an unchanged environment keeps its files (and their times) when another one changes.
    """
    if holds_exactly(target, files):
        return
    transaction = Transaction((target.parent,))
    try:
        write_files(transaction.staging(target), files)
        transaction.commit()
    except BaseException:
        transaction.abandon()
        raise


def _generated_files_current(folder: Path, files: dict[str, str]) -> bool:
    if not folder.is_dir() or folder.is_symlink():
        return False
    for existing in folder.glob("*.yaml"):
        if existing.name not in files and _is_generated(existing):
            return False
    return all(not (folder / n).is_symlink() and _is_file_with(folder / n, c) for n, c in files.items())


def _is_generated(path: Path) -> bool:
    # Bytes, not text: a file we do not own may be in any encoding (or a dangling link).
    return not path.is_symlink() and path.is_file() and path.read_bytes().startswith(GENERATED_BY.encode())


def write_generated_files(folder: Path, files: dict[str, str]) -> None:
    """Update our files in a folder that also holds files we do not own.

    clusters/<env>/flux-system/ is written by `flux bootstrap`: only files carrying the
    generated header are replaced or removed; each file is swapped in atomically.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.yaml"):
        if stale.name not in files and _is_generated(stale):
            stale.unlink()
    for name, content in files.items():
        if not (folder / name).is_symlink() and _is_file_with(folder / name, content):
            continue  # unchanged
        temporary = folder / f".{name}.synth-new"
        _write(temporary, content)
        os.replace(temporary, folder / name)


def _stage_generated_files(transaction: Transaction, folder: Path, files: dict[str, str]) -> None:
    """clusters/<env>/ as it will be: a copy of what is there (bootstrap's files too), our files updated."""
    staged = transaction.staging(folder)
    if folder.is_dir() and not folder.is_symlink():
        shutil.copytree(folder, staged, symlinks=True, dirs_exist_ok=True)
    write_generated_files(staged, files)


def environments_without_file(dist: Path, clusters: Path | None, known: Iterable[str]) -> list[str]:
    """Folders dist/<env>/ or clusters/<env>/ whose environment file was deleted."""
    known = set(known)
    found = set()
    for top in (dist, clusters):
        if top is not None and top.is_dir():
            found |= {p.name for p in top.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return sorted(found - known)


def check_removal(env: str, dist: Path, clusters: Path | None, allow_shrink: bool) -> None:
    """Deleting an environment file deletes its trees, and Flux prunes the cluster: only on purpose."""
    before = count_committed_objects(dist / env) or count_objects(dist / env)
    if not allow_shrink:
        trees = " and ".join(f"{top.name}/{env}/" for top in (dist, clusters) if top is not None)
        raise SynthError(
            f"environment '{env}': its environment file is gone, so synth would delete {trees} ({before} objects) "
            f"and Flux would prune them from the cluster. Fix: restore environments/{env}.yaml, "
            "or, if the environment is retired, run again with ALLOW_SHRINK=1."
        )


def synthesize(
    envs: Iterable[Environment],
    dist: Path,
    *,
    clusters: Path | None = None,
    allow_shrink: bool = False,
    retired: Iterable[str] = (),
) -> list[Path]:
    """Render every environment, then swap all of their folders in together; nothing is written if any fails.

    `retired` names environments whose files were deleted: their dist/ and clusters/ folders go in the same swap.
    """
    envs = list(envs)
    rendered = {env.name: render(env) for env in envs}
    cluster_files = {env.name: render_clusters(env, rendered[env.name]) for env in envs}
    parents = (dist,) if clusters is None else (dist, clusters)
    with output_lock(dist):
        for line in recover(parents):
            print(f"synth: {line}", file=sys.stderr)
        unchanged = {name for name, files in rendered.items() if holds_exactly(dist / name, files)}
        for name, files in rendered.items():
            if name not in unchanged:  # an unchanged environment cannot shrink
                check_shrink(name, dist / name, files, allow_shrink)
        retired = list(retired)
        for name in retired:
            check_removal(name, dist, clusters, allow_shrink)
        transaction = Transaction(parents)
        written = []
        try:
            for name, files in rendered.items():
                if name not in unchanged:
                    write_files(transaction.staging(dist / name), files)
                written.append(dist / name)
                if clusters is not None:
                    if not _generated_files_current(clusters / name, cluster_files[name]):
                        _stage_generated_files(transaction, clusters / name, cluster_files[name])
                    written.append(clusters / name)
            for name in retired:
                for top in parents:
                    if (top / name).exists() or (top / name).is_symlink():
                        transaction.remove(top / name)
                        written.append(top / name)
            transaction.commit()
        except BaseException:
            transaction.abandon()
            raise
    return written
