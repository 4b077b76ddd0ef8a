"""Typed, frozen configuration of one environment.

Each environment is one YAML file in ``environments/`` holding only what differs
between clusters. Everything else (names, ports, labels, URLs) is derived in the
constructs. Unknown fields, wrong types and impossible values stop synthesis with
a message naming the environment, the field and the fix.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from docrouter import apirules, quantities
from docrouter.constants import CLUSTER_ISSUERS
from docrouter.environment_files import ENV_NAME, did_you_mean
from docrouter.field_suggestions import suggestion, unknown_fields_first
from docrouter.migration_names import migration_job_name
from docrouter.names import release_version, slug
from docrouter.paths import ENVIRONMENTS_DIR, REPO_ROOT
from docrouter.providers import OWN_STORAGE_CLASS_PREFIX, PROVIDERS, ApiServer, Provider
from docrouter.safe_yaml import AliasRejected, DuplicateKey, StrictLoader, syntax_error
from docrouter.tree_files import TreeFileError, read_regular


def _quantity(value: str) -> str:
    if quantities.exact(value) is None:
        raise ValueError("not a Kubernetes quantity; write e.g. 250m or 1 (CPU), 512Mi or 10Gi (memory, storage)")
    return value


# A Kubernetes quantity such as 250m, 1, 0.5, 512Mi, 10Gi (apimachinery's grammar, see quantities.py).
Quantity = Annotated[str, AfterValidator(_quantity)]


# doc-router's release workflow (.github/workflows/release.yml, triggered by tags
# 'v[0-9]*.[0-9]*.[0-9]*') pushes images tagged exactly like the git tag; only stable
# vX.Y.Z releases are accepted here. A digest may follow to pin the exact image.
RELEASE_TAG = r"v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
ImageTag = Annotated[str, Field(pattern=rf"^{RELEASE_TAG}(@sha256:[0-9a-f]{{64}})?$")]


# RFC 2606 / RFC 6761 names that can never be ours. Let's Encrypt (boulder policy.ValidEmail)
# refuses example.com/.net/.org contacts and issues only for names under a public suffix.
RESERVED_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid", "localhost", "local")


def reserved_domain(domain: str) -> str | None:
    """Why a domain cannot be used publicly, or None."""
    domain = domain.lower().rstrip(".")
    for reserved in RESERVED_EMAIL_DOMAINS:
        if domain == reserved or domain.endswith("." + reserved):
            return f"{reserved} is reserved for documentation (RFC 2606)"
    if domain.rsplit(".", 1)[-1] in RESERVED_TLDS:
        return f".{domain.rsplit('.', 1)[-1]} is a reserved top-level domain (RFC 2606/6761)"
    return None


# A DNS name: labels of 1-63 characters, 253 in all (RFC 1035 2.3.4, Kubernetes' IsDNS1123Subdomain).
DnsName = Annotated[
    str,
    Field(max_length=253, pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"),
]
# A mail address: local part of at most 64 octets, 254 in all (RFC 5321 4.5.3.1, RFC 3696 erratum 1690).
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")]
# Replica counts are int32 in the API (apps/v1 DeploymentSpec.replicas, autoscaling/v2 maxReplicas).
INT32_MAX = 2**31 - 1


def s3_bucket_problem(name: str) -> str | None:
    """AWS's naming rules for general purpose buckets (docs.aws.amazon.com/AmazonS3/latest/userguide/
    bucketnamingrules.html); DigitalOcean Spaces follows the same DNS-style rules."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", name):
        return "3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    if ".." in name:
        return "no two adjacent periods"
    if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", name):
        return "not formatted as an IP address"
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            return f"must not start with {prefix!r} (reserved by AWS)"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            return f"must not end with {suffix!r} (reserved by AWS)"
    return None


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

    max_replicas: int = Field(ge=1, le=INT32_MAX)
    cpu_utilization: int = Field(default=70, ge=1, le=100)
    memory_utilization: int = Field(default=80, ge=1, le=100)


class Component(Frozen):
    replicas: int = Field(ge=1, le=INT32_MAX)
    resources: Resources


class Frontend(Component):
    image_tag: ImageTag


class Backend(Component):
    image_tag: ImageTag
    uvicorn_workers: int = Field(default=1, ge=1)
    autoscaling: Autoscaling | None = None

    @model_validator(mode="after")
    def _max_above_min(self) -> Backend:
        if self.autoscaling and self.autoscaling.max_replicas < self.replicas:
            raise ValueError(
                f"autoscaling.max_replicas ({self.autoscaling.max_replicas}) is below "
                f"replicas ({self.replicas}); raise max_replicas or lower replicas"
            )
        return self


class Worker(Component):
    """Queue worker; runs the backend image. Absent → the backend runs workers in-process."""


def _cluster_issuer(name: str) -> str:
    if name not in CLUSTER_ISSUERS:
        raise ValueError(f"not a ClusterIssuer synth defines; use one of {', '.join(CLUSTER_ISSUERS)}")
    return name


# The name of a ClusterIssuer the infra-configs layer defines (constants.CLUSTER_ISSUERS).
IssuerName = Annotated[str, AfterValidator(_cluster_issuer)]


class Ingress(Frozen):
    host: DnsName
    # ClusterIssuer that signs the certificate; null → plain HTTP (Kind only).
    tls_issuer: IssuerName | None = None


class StorageClass(Frozen):
    """Where MongoDB's volumes come from.

    Without `provisioner`, `name` must be a class the provider ships (providers.py), e.g.
    DOKS `do-block-storage-retain`; with it, synth creates the class, under a name that is
    ours (`doc-router-…`), so it can never meet a class someone else created.
    """

    name: DnsName
    provisioner: str | None = None
    parameters: dict[str, str] = Field(default_factory=dict)
    reclaim_policy: Literal["Retain", "Delete"] = "Retain"
    volume_binding_mode: Literal["WaitForFirstConsumer", "Immediate"] = "WaitForFirstConsumer"
    allow_volume_expansion: bool = True


class Migration(Frozen):
    """The database migration Job run before each rollout (layer pre-deploy).

    A Job never runs twice under one name. After a failed migration, fix the cause and
    raise `attempt` in a PR: the Job gets a new name, Flux prunes the failed one and runs
    the new one, so nothing is ever deleted by hand.
    """

    attempt: int = Field(default=1, ge=1, le=99)


class InClusterMongoDB(Frozen):
    """MongoDB Community run by MongoDB's operator: a replica set plus mongot (search)."""

    mode: Literal["in-cluster"]
    replicas: int = Field(default=1, ge=1, le=7)
    storage_size: Quantity
    search_storage_size: Quantity
    resources: Resources
    search_resources: Resources
    # Where certificates are issued (mongodb_tls.py): "required", or "preferred" while a running plain
    # replica set moves to TLS (members speak TLS with each other, clients may still connect plain), so
    # the app's pods roll to their TLS URI without losing the database (docs/platform.md#mongodb-tls).
    tls: Literal["required", "preferred"] = "required"


class ExternalMongoDB(Frozen):
    """MongoDB run elsewhere (e.g. Atlas); MONGODB_URI in doc-router-secrets points at it."""

    mode: Literal["external"]


MongoDB = Annotated[InClusterMongoDB | ExternalMongoDB, Field(discriminator="mode")]


class S3(Frozen):
    bucket: str = Field(min_length=3, max_length=63)
    region: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str) -> str:
        problem = s3_bucket_problem(value)
        if problem:
            raise ValueError(f"not a valid S3 bucket name: {problem}")
        return value


class Notifications(Frozen):
    """Flux alerts for failed reconciliations, sent to Slack.

    The webhook URL is a Secret `slack-webhook` (key `address`) in flux-system, created once by hand.
    """

    slack_channel: str = Field(pattern=r"^#?[a-z0-9_-]{1,80}$")


# Kind's local registry as the host and the Kind nodes reach it (constants.KIND_REGISTRY_HOST_PORT;
# `make kind-up` writes the node's hosts.toml for it).
KIND_LOCAL_REGISTRY = "localhost:5001"  # LocalImages.registry: the one value it accepts
# An OCI tag (distribution-spec: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}) that is also a label value (63
# characters, alphanumeric at both ends): workloads carry it in app.kubernetes.io/version.
LOCAL_TAG = r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$"


class LocalImages(Frozen):
    """Kind only: run images built here (`docker build -t localhost:5001/doc-router-backend:dev .`,
    `docker push ...`) instead of the releases; image_tag still names the release the data is migrated for."""

    registry: Literal["localhost:5001"] = "localhost:5001"  # KIND_LOCAL_REGISTRY
    tag: str = Field(pattern=LOCAL_TAG)


class Environment(Frozen):
    """Everything that differs between two clusters running doc-router."""

    name: DnsName
    provider: Literal["kind", "digitalocean", "aws"]
    # Kubernetes minor version the cluster runs; manifests are validated against it.
    kubernetes_version: str = Field(pattern=r"^1\.[0-9]{2}$")
    app_env: str = Field(min_length=1, description="ENV the app runs with (dev, stage, prod)")
    # Let's Encrypt account contact (expiry notices); required when the Ingress has TLS.
    acme_email: Email | None = None
    ingress: Ingress
    frontend: Frontend
    backend: Backend
    worker: Worker | None = None
    mongodb: MongoDB
    storage: StorageClass
    s3: S3
    cors_origins_extra: list[str] = Field(default_factory=list)
    notifications: Notifications | None = None
    migration: Migration = Migration()
    # Revert a merged revision whose rollout fails (docs/reviewing.md, "Automatic rollback").
    # Unset: on for the cloud environments, off for Kind (see auto_rollback_on).
    auto_rollback: bool | None = None
    local_images: LocalImages | None = None
    # DOKS only: the addresses its control plane answers on behind the `kubernetes` Service, e.g.
    # ["203.0.113.5/32"] (docs/bootstrap.md reads them from the cluster once). MongoDB's members and
    # the controllers then reach only these on 443; unset, any address on 443 (providers.py).
    api_server_cidrs: list[str] | None = None

    @model_validator(mode="after")
    def _api_server_cidrs_only_on_doks(self) -> Environment:
        if self.api_server_cidrs is None:
            return self
        if self.provider != "digitalocean":
            raise ValueError(
                f"api_server_cidrs is set but provider is {self.provider}: its API server's range is built in "
                "(constructs/docrouter/providers.py); remove api_server_cidrs"
            )
        if not self.api_server_cidrs:
            raise ValueError("api_server_cidrs is empty: list the control plane's addresses, or remove the field")
        for text in self.api_server_cidrs:
            try:
                network = ipaddress.ip_network(text, strict=True)
            except ValueError:
                raise ValueError(
                    f"api_server_cidrs: '{text}' is not a network address such as 203.0.113.5/32; write each "
                    "address `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes` "
                    "prints, followed by /32"
                ) from None
            if network.prefixlen == 0:
                raise ValueError(f"api_server_cidrs: '{text}' is every address; remove the field instead")
        return self

    @model_validator(mode="after")
    def _mongodb_tls_needs_certificates(self) -> Environment:
        db = self.in_cluster_mongodb
        if db is not None and db.tls != "required" and not self.tls:
            raise ValueError(
                f"mongodb.tls is '{db.tls}' but the environment issues no certificates (ingress.tls_issuer is "
                "null), so MongoDB runs without TLS here; remove mongodb.tls"
            )
        return self

    @model_validator(mode="after")
    def _local_images_only_on_kind(self) -> Environment:
        if self.local_images is not None and not self.cluster.is_local:
            raise ValueError(
                f"local_images is set but provider is {self.provider}: a cluster in the cloud cannot pull from this "
                "machine's registry; remove local_images (it is for the kind environment only)"
            )
        return self

    @model_validator(mode="after")
    def _public_names_for_tls(self) -> Environment:
        if not self.tls:
            return self
        if self.acme_email is None:
            raise ValueError("acme_email is required when ingress.tls_issuer is set: Let's Encrypt needs a contact")
        for field, domain in (("acme_email", self.acme_email.rsplit("@", 1)[1]), ("ingress.host", self.ingress.host)):
            why = reserved_domain(domain)
            if why:
                raise ValueError(
                    f"{field} uses {domain}: {why}, so Let's Encrypt refuses it and the ClusterIssuer or "
                    "certificate never becomes Ready; use a domain your team owns"
                )
        return self

    @model_validator(mode="after")
    def _storage_fits_provider(self) -> Environment:
        shipped = PROVIDERS[self.provider].storage_classes
        storage = self.storage
        if storage.provisioner is None:
            if storage.name not in shipped:
                raise ValueError(
                    f"storage.name '{storage.name}' is not a StorageClass {self.provider} ships "
                    f"({', '.join(sorted(shipped))}); use one of those, or set storage.provisioner to define it"
                )
        elif not storage.name.startswith(OWN_STORAGE_CLASS_PREFIX):
            # A class we create must be ours by name: the provider or whoever set the cluster up may
            # already have one of a common name (many EKS setups create `gp3`), and StorageClass
            # parameters are immutable, so our apply would fail the whole controllers layer.
            raise ValueError(
                f"storage.name '{storage.name}' is a StorageClass synth would create, but the name is not ours: "
                f"{self.provider} or the cluster's setup may already have a '{storage.name}' with other immutable "
                f"fields. Name it {OWN_STORAGE_CLASS_PREFIX}{storage.name}, or remove storage.provisioner and its "
                f"settings to use a class {self.provider} ships ({', '.join(sorted(shipped))})"
            )
        return self

    @model_validator(mode="after")
    def _kubernetes_version_offered(self) -> Environment:
        provider = PROVIDERS[self.provider]
        if provider.support_of(self.kubernetes_version) is None:
            offered = ", ".join(sorted(provider.kubernetes_versions, key=lambda v: tuple(map(int, v.split(".")))))
            raise ValueError(
                f"field 'kubernetes_version': {self.kubernetes_version} is not a version {self.provider} offers "
                f"(offered: {offered}; source: {provider.kubernetes_source}). Fix: use one of those, or update "
                "constructs/docrouter/providers.py when the provider's calendar changes"
            )
        return self

    @model_validator(mode="after")
    def _auto_rollback_needs_git(self) -> Environment:
        if self.cluster.is_local and self.auto_rollback:
            raise ValueError(
                "auto_rollback: true is not possible on Kind: its Flux applies the OCI artifact `make kind-deploy` "
                "pushes, not a Git revision the repository could revert; remove auto_rollback (Kind's default is off)"
            )
        return self

    @property
    def auto_rollback_on(self) -> bool:
        """Whether Flux dispatches this environment's failed layers to .github/workflows/auto-rollback.yml."""
        return self.auto_rollback if self.auto_rollback is not None else not self.cluster.is_local

    @model_validator(mode="after")
    def _api_server_rules(self) -> Environment:
        """Fields Kubernetes would refuse once synthesized (apirules.py), each named by its field path."""
        problems = _api_rule_problems(self)
        if problems:
            raise ApiRulesRefused(problems)
        return self

    @property
    def cluster(self) -> Provider:
        """What the environment's provider is and ships (providers.py), e.g. `env.cluster.is_local`."""
        return PROVIDERS[self.provider]

    @property
    def api_server(self) -> ApiServer:
        """Where pods reach the API server: the provider's range, or the addresses the environment names."""
        shipped = self.cluster.api_server
        if self.api_server_cidrs is None:
            return shipped
        cidrs = tuple(str(ipaddress.ip_network(text)) for text in self.api_server_cidrs)  # 203.0.113.5 → /32
        return ApiServer(cidrs, shipped.ports, "environment file: api_server_cidrs")

    @property
    def in_cluster_mongodb(self) -> InClusterMongoDB | None:
        """The database's settings when MongoDB runs in the cluster; None when it runs elsewhere."""
        return self.mongodb if isinstance(self.mongodb, InClusterMongoDB) else None

    @property
    def tls(self) -> bool:
        return self.ingress.tls_issuer is not None

    @property
    def public_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.ingress.host}"


class ApiRulesRefused(ValueError):
    """Fields the API server would refuse; load_environment shows one line per problem."""

    def __init__(self, problems: list[apirules.Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _api_rule_problems(env: Environment) -> list[apirules.Problem]:
    problems: list[apirules.Problem] = []
    for prefix, component in (("frontend", env.frontend), ("backend", env.backend), ("worker", env.worker)):
        if component is not None:
            problems += apirules.requests_limits_problems(f"{prefix}.resources", *_amounts(component.resources))
    db = env.in_cluster_mongodb
    if db:
        for field, spec in (("resources", db.resources), ("search_resources", db.search_resources)):
            problems += apirules.requests_limits_problems(f"mongodb.{field}", *_amounts(spec))
        for field, size in (
            ("storage_size", db.storage_size),
            ("search_storage_size", db.search_storage_size),
        ):
            problem = apirules.storage_problem(f"mongodb.{field}", size)
            problems += [problem] if problem else []
    for prefix, tag in (("frontend", env.frontend.image_tag), ("backend", env.backend.image_tag)):
        version = release_version(tag)
        wrong = apirules.label_value_problem(version)  # the tag is the pods' app.kubernetes.io/version label
        if wrong:
            message = f"'{apirules.excerpt(version)}' {wrong} (it becomes a label)"
            problems.append(
                apirules.Problem(f"{prefix}.image_tag", message, "use a shorter release tag such as v43.0.0")
            )
    try:  # Jobs label their pods with their own name, so it is a label value too (63 characters)
        job = migration_job_name(env.backend.image_tag, env.migration.attempt)
        wrong = apirules.label_value_problem(job)
        job_message = f"the migration Job name '{apirules.excerpt(job)}' {wrong}" if wrong else None
    except ValueError as exc:
        job_message = str(exc)
    if job_message:
        problems.append(apirules.Problem("backend.image_tag", job_message, "use a shorter release tag such as v43.0.0"))
    return problems + apirules.ingress_host_problems(env.ingress.host)


def _amounts(spec: Resources) -> tuple[dict, dict]:
    return (
        {"cpu": spec.requests.cpu, "memory": spec.requests.memory},
        {"cpu": spec.limits.cpu, "memory": spec.limits.memory},
    )


# An environment file is a few kilobytes; anything near this is a mistake, refused before parsing.
MAX_ENVIRONMENT_FILE_BYTES = 256 * 1024
MAX_ERRORS_SHOWN = 10


def environment_names(directory: Path = ENVIRONMENTS_DIR) -> list[str]:
    """Every environment, from the files in environments/ (sorted: stable output order).

    A file that cannot be an environment (qa.yml, Staging.yaml, notes.txt) is an error, never skipped.
    """
    names = []
    for path in sorted(p for p in directory.iterdir() if not p.name.startswith(".")):
        stem = path.name[: -len(".yaml")] if path.name.endswith(".yaml") else path.stem
        if path.is_file() and path.suffix == ".yaml" and ENV_NAME.fullmatch(stem):
            names.append(stem)
            continue
        suggestion = slug(stem)[:63].strip("-") or "my-env"
        raise ConfigError(
            f"environments: {_shown(path)} is not a valid environment file name (environments are "
            f"lower-case letters, digits and '-', in a .yaml file). "
            f"Fix: rename the file to {suggestion}.yaml (or move it out of {_shown(directory)})."
        )
    return names


def load_environment(name: str, directory: Path = ENVIRONMENTS_DIR) -> Environment:
    path = directory / f"{name}.yaml"
    where = f"environment '{name[:63]}': {_shown(path)}"
    if not ENV_NAME.fullmatch(name) or not (path.exists() or path.is_symlink()) or path.is_dir():
        names = sorted(p.stem for p in directory.glob("*.yaml"))
        raise ConfigError(
            f"environment '{name[:63]}': unknown environment{did_you_mean(name, names)} "
            f"(known: {', '.join(names) or 'none'}). "
            f"Fix: pick one of those, or add {_shown(path)} (see README, 'Adding an environment')."
        )
    raw = _read_yaml(path, where)
    if raw is None:
        raise ConfigError(f"{where} is empty. Fix: copy an existing environment file and edit it (see README).")
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{where} holds a {type(raw).__name__}, not a mapping of fields. "
            "Fix: write `field: value` lines, like the other environment files."
        )
    if "name" in raw:
        raise ConfigError(
            f"{where}: field 'name' is not allowed. Fix: remove it; the file name is the environment's name."
        )
    try:
        env = Environment.model_validate({"name": name, **raw})
    except ValidationError as exc:
        raise ConfigError(_describe(where, exc)) from None
    return env


def _read_yaml(path: Path, where: str) -> object:
    """The file's YAML, strictly (no aliases, no repeated keys); any problem is one ConfigError line."""
    try:
        data = read_regular(path, MAX_ENVIRONMENT_FILE_BYTES)  # never a FIFO, device or link's target
    except TreeFileError as exc:
        if exc.too_large:
            raise ConfigError(
                f"{where} is {path.stat().st_size} bytes, over the {MAX_ENVIRONMENT_FILE_BYTES}-byte limit for an "
                "environment file. Fix: keep only the fields of the Environment model (environment files are a few kB)."
            ) from None
        raise ConfigError(f"{where} {exc}. Fix: make it a regular file.") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}). "
            "Fix: save the file as UTF-8."
        ) from None
    try:
        data = yaml.load(text, Loader=StrictLoader)  # noqa: S506 - StrictLoader is a SafeLoader
    except ValueError as exc:  # an integer past Python's 4300-digit conversion limit
        raise ConfigError(
            f"{where} holds a number YAML cannot convert ({str(exc).split(':')[0]}). "
            "Fix: no field takes a number that long; correct the value."
        ) from None
    except AliasRejected as exc:
        raise ConfigError(f"{where}: YAML aliases are not allowed ({exc}). Fix: write the value out in full.") from None
    except DuplicateKey as exc:
        raise ConfigError(f"{where}: {exc}. Fix: keep one of the two; YAML would silently use the last.") from None
    except (yaml.YAMLError, RecursionError) as exc:
        problem = syntax_error(exc) if isinstance(exc, yaml.YAMLError) else "nested too deeply"
        tab = "\\t" in problem or "\t" in problem
        fix = "indent with spaces, never tabs" if tab else "correct the YAML syntax there"
        raise ConfigError(f"{where} is not valid YAML: {problem}. Fix: {fix}.") from None
    if _depth(data) > MAX_NESTING:
        raise ConfigError(
            f"{where} nests values more than {MAX_NESTING} levels deep. "
            "Fix: no field of an environment file is nested that deep; correct the indentation or brackets."
        )
    return data


MAX_NESTING = 16  # the deepest field of the Environment model is 4 levels down


def _depth(value: object) -> int:
    """How deeply lists and mappings nest (iterative: a 4900-deep document must not exhaust the stack)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_NESTING:
            return deepest
        if isinstance(current, dict):
            stack += [(v, level + 1) for v in current.values()]
        elif isinstance(current, list):
            stack += [(v, level + 1) for v in current]
    return deepest


def _describe(where: str, exc: ValidationError) -> str:
    refused = next(
        (e["ctx"]["error"] for e in exc.errors() if isinstance(e.get("ctx", {}).get("error"), ApiRulesRefused)), None
    )
    if refused is not None:
        problems = refused.problems
        lines = [f"{where}: field '{p.where}': {p.message}. Fix: {p.fix}." for p in problems[:MAX_ERRORS_SHOWN]]
        return "\n".join(lines + _more(len(problems)))
    lines = []
    for error in unknown_fields_first(exc.errors())[:MAX_ERRORS_SHOWN]:
        # Drop discriminator tags (e.g. 'in-cluster') so the field path reads like the YAML.
        loc = [str(part) for part in error["loc"] if part not in ("in-cluster", "external")]
        if not loc:
            # A rule across several fields: its message names the fields and the fix.
            lines.append(f"{where}: {error['msg'].removeprefix('Value error, ')[:400]}")
            continue
        field = ".".join(loc)
        message = error["msg"][:200]
        got = _excerpt(error.get("input"))
        if error["type"] == "extra_forbidden":
            message += suggestion(Environment, loc)
        lines.append(f"{where}: field '{field[:120]}': {message} (got {got}). Fix: {_hint(field, error)}")
    return "\n".join(lines + _more(len(exc.errors())))


def _more(count: int) -> list[str]:
    return [f"  … and {count - MAX_ERRORS_SHOWN} more problems"] if count > MAX_ERRORS_SHOWN else []


def _excerpt(value: object, limit: int = 60) -> str:
    """A short excerpt of a value: error messages never echo more than this (repr keeps it on one line)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def environment_file(name: str) -> str:
    """environments/<name>.yaml as messages show it (relative to the repository)."""
    return _shown(ENVIRONMENTS_DIR / f"{name}.yaml")


def _shown(path: Path) -> str:
    """The path relative to the repository when it is inside it (short, and the same on every machine)."""
    return path.relative_to(REPO_ROOT).as_posix() if path.is_relative_to(REPO_ROOT) else str(path)


def _hint(field: str, error: ErrorDetails) -> str:
    kind = error["type"]
    if field.endswith("image_tag"):
        return "use a published doc-router release tag such as v43.0.0, optionally pinned as v43.0.0@sha256:<digest>"
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
    if kind == "string_too_long" or kind == "too_long":
        return "shorten the value"
    return "correct the value as described"
