"""Layer "pre-deploy": the app's configuration and the database migration Job.

Flux applies this layer, waits for the Job to finish, and only then rolls out the
apps layer (Flux's "running jobs" pattern). The Job is named after the backend
version and the environment's `migration.attempt`: a new version, or a raised attempt
after a failure, gets a new Job (the old one is pruned); re-applying the same version
changes nothing, so the immutable Job template never blocks an apply.
migrate.py is idempotent, so a re-run is safe.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from docrouter import config
from docrouter import constants as c
from docrouter.constants import MIGRATION_DEADLINE_SECONDS
from docrouter.migration_names import MIGRATION, migration_job_name
from docrouter.names import release_version
from docrouter.platform import api_objects
from docrouter.platform.app import AppConfig, AppConfigProps
from docrouter.platform.building_blocks import (
    api_object,
    container,
    labels,
    pod_spec,
    selector_labels,
    writable_volumes,
)
from docrouter.platform.network import INTERNET_PEER, mongodb_egress, network_policy, tcp
from docrouter.platform.workload import APP_ENV_FROM, HOME_IN_TMP, mongodb_client

# Retries inside one attempt (pod failures); the attempt's hard deadline is in constants.py.
MIGRATION_BACKOFF_LIMIT = 2
# Finished Jobs are deleted after a week. Flux then re-creates the Job at its next apply,
# which re-runs the idempotent migration once; a shorter TTL would re-run it every interval.
MIGRATION_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class MigrationProps:
    # The backend's release tag and resources: the migration runs the backend image.
    backend: config.Backend
    # Raised in environments/<env>.yaml after a failed migration: a new Job name (config.Migration).
    attempt: int = 1
    # MongoDB runs in the cluster (egress to its pods) or elsewhere (egress to the internet).
    in_cluster_mongodb: bool = True
    # ... over TLS: the Job mounts the CA and adds tls options to MONGODB_URI (workload.mongodb_client).
    mongodb_tls: bool = False
    # The image repository: the released one, or Kind's local registry (images.py, `local_images`).
    image: str = c.BACKEND_IMAGE
    # The tag to run; None: the release tag in the environment file.
    image_version: str | None = None


class MigrationJob(Construct):
    def __init__(self, scope: Construct, id: str, *, props: MigrationProps) -> None:
        super().__init__(scope, id)
        version = props.backend.image_tag
        job_labels = labels(MIGRATION, "migration", release_version(version))
        volumes, mounts = writable_volumes({"tmp": "/tmp"})
        client = mongodb_client(props.mongodb_tls)
        volumes, mounts = [*volumes, *client.volumes], [*mounts, *client.mounts]
        migrate = container(
            name=MIGRATION,
            image=f"{props.image}:{props.image_version or version}",
            command=("python3", "migrate.py"),
            working_dir=c.BACKEND_WORKDIR,
            spec=props.backend.resources,
            env=[HOME_IN_TMP, *client.env],
            env_from=APP_ENV_FROM,
            mounts=mounts,
        )
        api_object(
            self,
            api_objects.Job,
            name=migration_job_name(version, props.attempt),
            namespace=c.APP_NAMESPACE,
            labels=job_labels,
            # Belt and braces: if the template ever changes under the same name, Flux re-creates the Job.
            annotations=dict(c.FORCE_ENABLED),
            body={
                "spec": {
                    "backoffLimit": MIGRATION_BACKOFF_LIMIT,
                    "activeDeadlineSeconds": MIGRATION_DEADLINE_SECONDS,
                    "ttlSecondsAfterFinished": MIGRATION_TTL_SECONDS,
                    "template": {
                        "metadata": {"labels": job_labels},
                        "spec": pod_spec(containers=[migrate], uid=c.APP_UID, volumes=volumes, restart_policy="Never"),
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
            egress=[mongodb_egress(props.in_cluster_mongodb), {"to": [INTERNET_PEER], "ports": tcp(443)}],
        )


@dataclass(frozen=True)
class PreDeployProps:
    """Layer "pre-deploy", mapped from the environment in synthesis/environment_props.py."""

    config: AppConfigProps
    migration: MigrationProps


class PreDeploy(Construct):
    def __init__(self, scope: Construct, id: str, *, props: PreDeployProps) -> None:
        super().__init__(scope, id)
        # The ConfigMap lives here because the migration reads it before the apps exist.
        AppConfig(self, "config", props=props.config)
        MigrationJob(self, "migration", props=props.migration)
