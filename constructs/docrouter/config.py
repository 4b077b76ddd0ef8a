"""Typed, frozen configuration of one environment.

Each environment is one YAML file in ``environments/`` holding only what differs
between clusters. Everything else (names, ports, labels, URLs) is derived in the
constructs. Unknown fields, wrong types and impossible values stop synthesis with
a message naming the environment, the field and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

ENVIRONMENTS_DIR = Path(__file__).parent / "environments"

# A Kubernetes quantity such as 250m, 1, 0.5, 512Mi, 10Gi.
Quantity = Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$")]


def _pinned_tag(tag: str) -> str:
    if tag == "latest":
        raise ValueError("'latest' is not a pinned tag; use a released version such as 1.4.2")
    return tag


# An OCI tag that pins a release: never `latest`, never empty.
ImageTag = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"), AfterValidator(_pinned_tag)]
DnsName = Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")]


class ConfigError(Exception):
    """Bad environment configuration; the message says where and how to fix it."""


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ResourceAmounts(Frozen):
    cpu: Quantity
    memory: Quantity


class Resources(Frozen):
    """Container requests (what the scheduler reserves) and limits (the ceiling)."""

    requests: ResourceAmounts
    limits: ResourceAmounts


class Autoscaling(Frozen):
    """HorizontalPodAutoscaler bounds; min replicas is the component's `replicas`."""

    max_replicas: int = Field(ge=1)
    cpu_utilization: int = Field(default=70, ge=1, le=100)
    memory_utilization: int = Field(default=80, ge=1, le=100)


class Component(Frozen):
    replicas: int = Field(ge=1)
    resources: Resources


class Frontend(Component):
    image_tag: ImageTag


class Backend(Component):
    image_tag: ImageTag
    uvicorn_workers: int = Field(default=1, ge=1)
    autoscaling: Optional[Autoscaling] = None

    @model_validator(mode="after")
    def _max_above_min(self) -> "Backend":
        if self.autoscaling and self.autoscaling.max_replicas < self.replicas:
            raise ValueError(
                f"autoscaling.max_replicas ({self.autoscaling.max_replicas}) is below "
                f"replicas ({self.replicas}); raise max_replicas or lower replicas"
            )
        return self


class Worker(Component):
    """Queue worker; runs the backend image. Absent → the backend runs workers in-process."""


class Ingress(Frozen):
    host: DnsName
    # ClusterIssuer that signs the certificate; null → plain HTTP (Kind only).
    tls_issuer: Optional[Literal["letsencrypt-prod", "letsencrypt-staging"]] = None


class StorageClass(Frozen):
    """Where MongoDB's volumes come from.

    With `provisioner` set, synth creates this StorageClass; without it, the cluster
    already provides a class of this name (Kind's `standard`).
    """

    name: DnsName
    provisioner: Optional[str] = None
    parameters: dict[str, str] = Field(default_factory=dict)
    reclaim_policy: Literal["Retain", "Delete"] = "Retain"
    volume_binding_mode: Literal["WaitForFirstConsumer", "Immediate"] = "WaitForFirstConsumer"
    allow_volume_expansion: bool = True


class InClusterMongoDB(Frozen):
    mode: Literal["in-cluster"]
    replicas: int = Field(default=1, ge=1, le=7)
    storage_size: Quantity
    search_storage_size: Quantity
    resources: Resources
    search_resources: Resources


class ExternalMongoDB(Frozen):
    """MongoDB run elsewhere (e.g. Atlas); MONGODB_URI in doc-router-secrets points at it."""

    mode: Literal["external"]


MongoDB = Annotated[Union[InClusterMongoDB, ExternalMongoDB], Field(discriminator="mode")]


class S3(Frozen):
    bucket: str = Field(min_length=3, max_length=63)
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")


class Notifications(Frozen):
    """Flux alerts for failed reconciliations, sent to Slack.

    The webhook URL is a Secret `slack-webhook` (key `address`) in flux-system, created once by hand.
    """

    slack_channel: str = Field(pattern=r"^#?[a-z0-9_-]{1,80}$")


class Environment(Frozen):
    """Everything that differs between two clusters running doc-router."""

    name: DnsName
    provider: Literal["kind", "digitalocean", "aws"]
    # Kubernetes minor version the cluster runs; manifests are validated against it.
    kubernetes_version: str = Field(pattern=r"^1\.[0-9]{2}$")
    app_env: str = Field(min_length=1, description="ENV the app runs with (dev, stage, prod)")
    acme_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    ingress: Ingress
    frontend: Frontend
    backend: Backend
    worker: Optional[Worker] = None
    mongodb: MongoDB
    storage: StorageClass
    s3: S3
    cors_origins_extra: list[str] = Field(default_factory=list)
    notifications: Optional[Notifications] = None

    @property
    def tls(self) -> bool:
        return self.ingress.tls_issuer is not None

    @property
    def public_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.ingress.host}"


def environment_names() -> list[str]:
    """Every environment, from the files in environments/ (sorted: stable output order)."""
    return sorted(path.stem for path in ENVIRONMENTS_DIR.glob("*.yaml"))


def load_environment(name: str, directory: Path = ENVIRONMENTS_DIR) -> Environment:
    path = directory / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
        raise ConfigError(
            f"environment '{name}': unknown environment (known: {known}). "
            f"Fix: pick one of those, or add {path} (see README, 'Adding an environment')."
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"environment '{name}': {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"environment '{name}': {path} must hold a mapping of fields")
    if "name" in raw:
        raise ConfigError(
            f"environment '{name}': field 'name' is not allowed in {path}. "
            "Fix: remove it; the file name is the environment's name."
        )
    try:
        return Environment.model_validate({"name": name, **raw})
    except ValidationError as exc:
        raise ConfigError(_describe(name, path, exc)) from None


def _describe(name: str, path: Path, exc: ValidationError) -> str:
    lines = [f"environment '{name}': invalid configuration in {path}:"]
    for error in exc.errors():
        # Drop discriminator tags (e.g. 'in-cluster') so the field path reads like the YAML.
        loc = [str(part) for part in error["loc"] if part not in ("in-cluster", "external")]
        field = ".".join(loc) or "(file)"
        lines.append(f"  - field '{field}': {error['msg']} (got {error.get('input')!r}). Fix: {_hint(error)}")
    return "\n".join(lines)


def _hint(error: dict) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "remove this field or correct its spelling (unknown fields are rejected)"
    if kind == "missing":
        return "add this field"
    if kind == "string_pattern_mismatch":
        return f"use a value matching {error.get('ctx', {}).get('pattern', '')}"
    if kind.startswith("greater_than") or kind.startswith("less_than"):
        return "use a value within the allowed range"
    if kind == "literal_error":
        return "use one of the values listed"
    return "correct the value as described"


def slug(value: str) -> str:
    """A DNS-1123 label fragment: lower case, [a-z0-9-] only."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
