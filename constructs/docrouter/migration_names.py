"""The migration Job's name, apart from migration.py so the environment model can check it without cdk8s."""

from __future__ import annotations

from docrouter.names import release_version, slug

MIGRATION = "migrate"


def migration_job_name(backend_tag: str, attempt: int) -> str:
    # The release without its digest (a digest does not fit a name); a retry adds its attempt.
    name = f"{MIGRATION}-{slug(release_version(backend_tag))}" + (f"-retry{attempt}" if attempt > 1 else "")
    if len(name) > 63:
        raise ValueError(
            f"migration Job name '{name}' (from backend.image_tag) exceeds 63 characters; use a shorter image tag"
        )
    return name
