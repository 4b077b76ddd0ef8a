"""Where `synth --out` may write: synth replaces <out>/<env>/ whole, so it must hold only synth's output.

Pointed at a source folder by mistake (`--out tools/docrouter_tools` holds a kind/ folder of
Python files) synth would delete it. A folder is synth's when every file in it is one synth writes:
a YAML file starting with the generated-by header, or a copied SOPS file (`*.sops.yaml` inside a
layer). Folders outside the repository are refused unless ALLOW_OUTSIDE_REPO=1 says so (diff and
validate synthesize into a temporary folder and set it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from docrouter.paths import GENERATED_BY, REPO_ROOT
from docrouter.synthesis.checks import SynthError
from docrouter.synthesis.transaction import STAGING_PREFIX

OUTSIDE_VARIABLE = "ALLOW_OUTSIDE_REPO"
SOPS_SUFFIX = ".sops.yaml"


def outside_allowed() -> bool:
    return os.environ.get(OUTSIDE_VARIABLE, "") not in ("", "0")


def check_inside_repository(option: str, folder: Path) -> None:
    resolved = folder.resolve()
    if not outside_allowed() and not resolved.is_relative_to(REPO_ROOT):
        raise SynthError(
            f"{option} {folder} is outside the repository ({REPO_ROOT}). Fix: choose a folder inside it, "
            f"or run with {OUTSIDE_VARIABLE}=1 to write there on purpose."
        )


def foreign_entry(folder: Path) -> Path | None:
    """The first file or link under folder that synth did not write, or None."""
    if folder.is_symlink() or folder.is_file():
        return folder
    for current, directories, names in os.walk(folder, followlinks=False):
        directories[:] = [d for d in directories if not d.startswith(STAGING_PREFIX)]
        for name in sorted([*directories, *names]):
            path = Path(current) / name
            if path.is_symlink():
                return path
            if name in names and not _synthesized(path):
                return path
    return None


def _synthesized(path: Path) -> bool:
    if not path.is_file() or path.suffix != ".yaml":
        return False
    if path.name.endswith(SOPS_SUFFIX):
        return True
    with open(path, "rb") as handle:
        return handle.read(len(GENERATED_BY)) == GENERATED_BY.encode()


def check_output_folder(out: Path, envs: Iterable[str]) -> None:
    """Refuse an --out folder whose <env>/ holds anything synth did not write, or that lies outside the repo."""
    check_inside_repository("--out", out)
    for env in envs:
        found = foreign_entry(out / env) if (out / env).exists() or (out / env).is_symlink() else None
        if found is not None:
            raise SynthError(
                f"--out {out}: {found} was not written by synth, and synth replaces {out / env} whole. "
                "Fix: choose an empty folder or one that only holds earlier synth output."
            )
