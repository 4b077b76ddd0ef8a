"""dist/<env>/ or clusters/<env>/ left behind by an environment whose file is gone.

Flux keeps applying whatever is committed there, but no synth keeps it current and CI's drift check never
looks at it: the environment file is the only thing that makes an environment exist.
"""

from __future__ import annotations

from pathlib import Path

from docrouter.paths import ENVIRONMENTS_DIR, REPO_ROOT
from docrouter_tools.validate.model import Finding, file_finding

ROOTS = ("dist", "clusters")


def orphaned_environments(root: Path, known: list[str]) -> dict[str, list[Finding]]:
    """Folder name → one finding per dist/<name>/ or clusters/<name>/ that has no environment file."""
    environments = ENVIRONMENTS_DIR.relative_to(REPO_ROOT).as_posix()
    found: dict[str, list[Finding]] = {}
    for top in ROOTS:
        folder = root / top
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if not path.is_dir() or path.name in known or path.name.startswith("."):
                continue
            found.setdefault(path.name, []).append(
                file_finding(
                    "env/orphaned",
                    f"{top}/{path.name}",
                    f"{top}/{path.name}/ has no environment file {environments}/{path.name}.yaml: Flux still applies "
                    "what is committed there, and nothing keeps it current",
                    f"restore {environments}/{path.name}.yaml, or remove the environment: `git rm -r "
                    f"dist/{path.name} clusters/{path.name}` (review it with `make diff` first) and commit",
                )
            )
    return found
