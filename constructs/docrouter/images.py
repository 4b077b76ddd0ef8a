"""Which image a workload runs: the released one (ghcr.io/..., `image_tag` of the environment file), or on
Kind, an image built on this machine and pushed to Kind's local registry (`local_images` in kind.yaml),
as `docker compose build` would run it. One place decides, for every workload and the migration Job."""

from __future__ import annotations

from docrouter.config import Environment


def image_repository(env: Environment, released: str) -> str:
    """ghcr.io/analytiq-hub/doc-router-backend, or localhost:5001/doc-router-backend with local_images."""
    if env.local_images is None:
        return released
    return f"{env.local_images.registry}/{released.rsplit('/', 1)[1]}"


def local_tag(env: Environment) -> str | None:
    """The tag of the locally built images to run (local_images.tag); None: the environment's release tags."""
    return env.local_images.tag if env.local_images is not None else None
