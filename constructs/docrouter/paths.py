"""Where things live in the repository: one definition of each location."""

from __future__ import annotations

from pathlib import Path

# constructs/docrouter/paths.py → the repository root.
REPO_ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS_DIR = Path(__file__).resolve().parent / "environments"
SECRETS_DIR = REPO_ROOT / "secrets"
# Every layer folder of dist/<env>/ holds one; Flux and kustomize read it by this name.
KUSTOMIZATION = "kustomization.yaml"


def environment_sources(env: str) -> tuple[str, ...]:
    """Repository-relative paths that belong to one environment alone: its config and its SOPS secrets.

    Everything else under constructs/ is shared code, even a folder named like an environment
    (constructs/docrouter/tools/kind/ is the Kind tooling, not the kind environment's source).
    """
    config = (ENVIRONMENTS_DIR / f"{env}.yaml").relative_to(REPO_ROOT).as_posix()
    secrets = (SECRETS_DIR / env).relative_to(REPO_ROOT).as_posix()
    return (config, secrets)
