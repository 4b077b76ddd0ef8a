"""Layer "pre-deploy": the app's configuration and the database migration Job.

Flux applies this layer, waits for the Job to finish, and only then rolls out the
apps layer (Flux's "running jobs" pattern). The Job is named after the backend
version: a new version gets a new Job (the old one is pruned), and re-applying the
same version changes nothing, so the immutable Job template never blocks an apply.
migrate.py is idempotent, so a re-run (e.g. after a failed attempt) is safe.
"""

from __future__ import annotations

from constructs import Construct

from . import constants as c
from .app import AppConfig
from .config import Environment, slug
from .k8s import api_object, container, labels, pod_spec, selector_labels, writable_volumes
from .network import INTERNET_PEER, mongodb_egress, network_policy, tcp
from .workload import APP_ENV_FROM, HOME_IN_TMP

MIGRATION = "migrate"


def migration_job_name(backend_tag: str) -> str:
    name = f"{MIGRATION}-{slug(backend_tag)}"
    if len(name) > 63:
        raise ValueError(
            f"migration Job name '{name}' (from backend.image_tag) exceeds 63 characters; use a shorter image tag"
        )
    return name


class MigrationJob(Construct):
    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        super().__init__(scope, id)
        version = env.backend.image_tag
        job_labels = labels(MIGRATION, "migration", version)
        volumes, mounts = writable_volumes({"tmp": "/tmp"})
        migrate = container(
            name=MIGRATION,
            image=f"{c.BACKEND_IMAGE}:{version}",
            command=("python3", "migrate.py"),
            working_dir=c.BACKEND_WORKDIR,
            spec=env.backend.resources,
            env=[HOME_IN_TMP],
            env_from=APP_ENV_FROM,
            mounts=mounts,
        )
        api_object(
            self,
            api_version="batch/v1",
            kind="Job",
            name=migration_job_name(version),
            namespace=c.APP_NAMESPACE,
            labels=job_labels,
            # Belt and braces: if the template ever changes under the same name, Flux re-creates the Job.
            annotations=dict(c.FORCE_ENABLED),
            body={
                "spec": {
                    "backoffLimit": 3,
                    "activeDeadlineSeconds": 900,
                    # No ttlSecondsAfterFinished: a deleted Job would be re-created (and re-run) by Flux.
                    "template": {
                        "metadata": {"labels": job_labels},
                        "spec": pod_spec(
                            containers=[migrate], uid=c.APP_UID, volumes=volumes, restart_policy="Never"
                        ),
                    },
                }
            },
        )
        network_policy(
            self,
            name=MIGRATION,
            namespace=c.APP_NAMESPACE,
            pods=selector_labels(MIGRATION),
            ingress=[],
            egress=[mongodb_egress(env), {"to": [INTERNET_PEER], "ports": tcp(443)}],
        )


class PreDeploy(Construct):
    def __init__(self, scope: Construct, id: str, *, env: Environment) -> None:
        super().__init__(scope, id)
        # The ConfigMap lives here because the migration reads it before the apps exist.
        AppConfig(self, "config", env=env)
        MigrationJob(self, "migration", env=env)
