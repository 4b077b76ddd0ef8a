"""The API server's own validation rules, checked before anything is written.

A value Kubernetes refuses must stop `make synth`, not a Flux apply after merge. The rules are
transcribed from kubernetes/kubernetes (v1.33):

- staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go: IsDNS1123Label (63),
  IsDNS1123Subdomain (253), IsQualifiedName, IsValidLabelValue (63, alphanumeric at both ends),
  IsValidPortNum (1-65535)
- pkg/apis/core/validation/validation.go: ValidateResourceRequirements (quantities ≥ 0, each request
  ≤ its limit, compared as quantities), ValidatePersistentVolumeClaimSpec (storage request > 0),
  ValidateConfigMap and ValidateSecret (values together ≤ core.MaxSecretSize, 1 MiB),
  ValidateServiceName (DNS-1035 label), ValidateNamespaceName (DNS-1123 label)
- pkg/apis/autoscaling/validation/validation.go: minReplicas ≥ 1, maxReplicas ≥ minReplicas
- pkg/apis/storage/validation/validation.go: provisioner is a qualified name; at most 512
  parameters, keys and values together under 256 KiB

`environment_problems` checks the fields of an environment file (so the message names the field);
`object_problems` checks every rendered object (so construct code cannot produce what the API
refuses either). A PDB whose minAvailable reaches its workload's replicas is valid for the API but
blocks every node drain; it is refused here too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Iterator

from . import quantities

LABEL_VALUE_MAX = 63
DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
MAX_OBJECT_DATA_BYTES = 1024 * 1024  # core.MaxSecretSize, used for ConfigMaps too
STORAGE_PARAMETERS_MAX = 512
STORAGE_PARAMETERS_MAX_BYTES = 256 * 1024

# The patterns are applied only after the length check, so they never run on long input.
_LABEL_VALUE = re.compile(r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
_DNS1123_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME = _LABEL_VALUE

# Kinds whose name is a DNS-1123 label or DNS-1035 label; every other kind's is a DNS-1123 subdomain.
_LABEL_NAMED_KINDS = {"Namespace": _DNS1123_LABEL}
_DNS1035_NAMED_KINDS = {"Service"}
WORKLOAD_KINDS = ("Deployment", "StatefulSet")


@dataclass(frozen=True)
class Problem:
    """One refused value: where (field or object), what is wrong, how to fix it."""

    where: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}. Fix: {self.fix}"


# --- the primitive rules (return what is wrong, or None) ----------------------------


def label_value_problem(value: str) -> str | None:
    if len(value) > LABEL_VALUE_MAX:
        return f"is {len(value)} characters; a label value may have at most {LABEL_VALUE_MAX}"
    if not _LABEL_VALUE.fullmatch(value):
        return "is not a valid label value: only letters, digits, '-', '_', '.', starting and ending alphanumeric"
    return None


def name_problem(kind: str, name: str) -> str | None:
    if kind in _DNS1035_NAMED_KINDS:
        limit, pattern, what = DNS1123_LABEL_MAX, _DNS1035_LABEL, "a DNS-1035 label (a-z, 0-9, '-', starting with a letter)"
    elif kind in _LABEL_NAMED_KINDS:
        limit, pattern, what = DNS1123_LABEL_MAX, _LABEL_NAMED_KINDS[kind], "a DNS-1123 label (a-z, 0-9, '-')"
    else:
        limit, pattern, what = DNS1123_SUBDOMAIN_MAX, _DNS1123_SUBDOMAIN, "a DNS-1123 subdomain (a-z, 0-9, '-', '.')"
    if len(name) > limit:
        return f"name is {len(name)} characters; at most {limit} allowed"
    if not pattern.fullmatch(name):
        return f"name '{name}' is not {what}"
    return None


def qualified_name_problem(value: str) -> str | None:
    prefix, _, name = value.rpartition("/")
    if "/" in prefix or (value.count("/") and not prefix):
        return "has more than one '/' or an empty prefix"
    if prefix and (len(prefix) > DNS1123_SUBDOMAIN_MAX or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return "prefix before '/' is not a DNS-1123 subdomain"
    if not name or len(name) > LABEL_VALUE_MAX or not _QUALIFIED_NAME.fullmatch(name):
        return f"name part must be 1-{LABEL_VALUE_MAX} letters, digits, '-', '_', '.', starting and ending alphanumeric"
    return None


def port_problem(port: object) -> str | None:
    if isinstance(port, int) and not isinstance(port, bool) and not 1 <= port <= 65535:
        return f"port {port} is outside 1-65535"
    return None


def requests_limits_problems(where: str, requests: dict, limits: dict) -> Iterator[Problem]:
    """Quantities ≥ 0 and every request ≤ its limit, as ValidateResourceRequirements does."""
    parsed: dict[tuple[str, str], Decimal] = {}
    for side, amounts in (("requests", requests), ("limits", limits)):
        for resource, value in (amounts or {}).items():
            number = quantities.exact(value)
            if number is None:
                yield Problem(f"{where}.{side}.{resource}", f"'{_excerpt(value)}' is not a quantity", "write e.g. 250m or 512Mi")
            elif number < 0:
                yield Problem(f"{where}.{side}.{resource}", f"{value} is negative", "use a value ≥ 0")
            else:
                parsed[side, resource] = number
    for (side, resource), request in parsed.items():
        limit = parsed.get(("limits", resource))
        if side == "requests" and limit is not None and request > limit:
            yield Problem(
                f"{where}.requests.{resource}",
                f"request {requests[resource]} is above the limit {limits[resource]}; the API server refuses this",
                f"lower requests.{resource} or raise limits.{resource}",
            )


def storage_problem(where: str, value: object) -> Problem | None:
    number = quantities.exact(value)
    if number is None or number <= 0:
        return Problem(where, f"storage size '{_excerpt(value)}' must be greater than zero", "use a size such as 10Gi")
    return None


def _excerpt(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


# --- an environment file's fields ---------------------------------------------------


def environment_problems(env: object) -> list[Problem]:
    """Fields of a loaded Environment that Kubernetes would refuse once synthesized."""
    from .config import slug  # noqa: PLC0415 - config imports this module

    problems: list[Problem] = []
    components = [("frontend", env.frontend), ("backend", env.backend), ("worker", env.worker)]
    for prefix, component in components:
        if component is not None:
            problems += requests_limits_problems(f"{prefix}.resources", *_amounts(component.resources))
    mongodb = env.mongodb
    if getattr(mongodb, "mode", None) == "in-cluster":
        for field in ("resources", "search_resources"):
            spec = getattr(mongodb, field, None)
            if spec is not None:
                problems += requests_limits_problems(f"mongodb.{field}", *_amounts(spec))
        for field in ("storage_size", "search_storage_size"):
            if hasattr(mongodb, field):
                problem = storage_problem(f"mongodb.{field}", getattr(mongodb, field))
                problems += [problem] if problem else []
    for prefix in ("frontend", "backend"):
        tag = getattr(env, prefix).image_tag
        wrong = label_value_problem(tag)  # the tag is the pods' app.kubernetes.io/version label
        if wrong:
            problems.append(Problem(f"{prefix}.image_tag", f"'{_excerpt(tag)}' {wrong} (it becomes a label)",
                                    "use a shorter release tag such as 1.4.2"))
    job = f"migrate-{slug(env.backend.image_tag)}"  # migration.migration_job_name; Jobs label pods with their name
    if len(job) > LABEL_VALUE_MAX:
        problems.append(Problem("backend.image_tag", f"the migration Job name '{_excerpt(job)}' would be over "
                                f"{LABEL_VALUE_MAX} characters", "use a shorter release tag such as 1.4.2"))
    if len(env.ingress.host) > DNS1123_SUBDOMAIN_MAX:
        problems.append(Problem("ingress.host", f"is {len(env.ingress.host)} characters; a host may have at most "
                                f"{DNS1123_SUBDOMAIN_MAX}", "use the real, shorter host name"))
    return problems


def _amounts(spec: object) -> tuple[dict, dict]:
    return ({"cpu": spec.requests.cpu, "memory": spec.requests.memory},
            {"cpu": spec.limits.cpu, "memory": spec.limits.memory})


# --- rendered objects -----------------------------------------------------------------


def _object_id(obj: dict) -> str:
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    return f"{obj.get('kind')} {namespace + '/' if namespace else ''}{meta.get('name')}"


def _pod_spec(obj: dict) -> dict | None:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    template = spec.get("template")
    return (template or {}).get("spec") if isinstance(template, dict) else None


def _metadata_problems(obj: dict, where: str) -> Iterator[Problem]:
    meta = obj.get("metadata") or {}
    wrong = name_problem(str(obj.get("kind")), str(meta.get("name", "")))
    if wrong:
        yield Problem(where, wrong, "give the object a valid name in its construct")
    templates = [meta, ((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}]
    for labels in (m.get("labels") or {} for m in templates):
        for key, value in labels.items():
            wrong = label_value_problem(str(value)) or qualified_name_problem(str(key))
            if wrong:
                yield Problem(where, f"label {key}={_excerpt(value)} {wrong}", "shorten or correct the label")


def _pod_problems(pod: dict, where: str) -> Iterator[Problem]:
    for container in [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]:
        place = f"{where} container {container.get('name')}"
        resources = container.get("resources") or {}
        for problem in requests_limits_problems(place, resources.get("requests") or {}, resources.get("limits") or {}):
            yield Problem(where, f"{problem.where.removeprefix(where + ' ')}: {problem.message}", problem.fix)
        for port in container.get("ports") or []:
            wrong = port_problem(port.get("containerPort"))
            if wrong:
                yield Problem(place, wrong, "use a port between 1 and 65535")


def _data_size(obj: dict) -> int:
    values = [*(obj.get("data") or {}).values(), *(obj.get("binaryData") or {}).values()]
    values += list((obj.get("stringData") or {}).values())
    return sum(len(str(v).encode("utf-8")) for v in values)


def object_problems(objects: Iterable[dict]) -> list[Problem]:
    """Every rendered object against the rules above; plus PDBs that would block node drains."""
    objects = list(objects)
    problems: list[Problem] = []
    for obj in objects:
        where, kind, spec = _object_id(obj), obj.get("kind"), obj.get("spec") or {}
        problems += _metadata_problems(obj, where)
        pod = _pod_spec(obj)
        if isinstance(pod, dict):
            problems += _pod_problems(pod, where)
        if kind in ("ConfigMap", "Secret") and "sops" not in obj and _data_size(obj) > MAX_OBJECT_DATA_BYTES:
            problems.append(Problem(where, f"data is {_data_size(obj)} bytes; the API server's limit is "
                                    f"{MAX_OBJECT_DATA_BYTES} (1 MiB)", "move large content out (a volume, S3)"))
        if kind == "Service":
            for port in spec.get("ports") or []:
                for field in ("port", "targetPort", "nodePort"):
                    wrong = port_problem(port.get(field))
                    if wrong:
                        problems.append(Problem(where, f"{field}: {wrong}", "use a port between 1 and 65535"))
        for template in spec.get("volumeClaimTemplates") or []:
            storage = ((template.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage")
            problem = storage_problem(f"{where} volumeClaimTemplate {(template.get('metadata') or {}).get('name')}", storage)
            problems += [Problem(problem.where, problem.message, "set a storage size above zero")] if problem else []
        if kind == "HorizontalPodAutoscaler":
            problems += _hpa_problems(where, spec)
        if kind == "StorageClass":
            problems += _storage_class_problems(where, obj)
    problems += _pdb_problems(objects)
    return problems


def _hpa_problems(where: str, spec: dict) -> Iterator[Problem]:
    low, high = spec.get("minReplicas", 1), spec.get("maxReplicas")
    if isinstance(low, int) and low < 1:
        yield Problem(where, f"minReplicas {low} must be at least 1", "set autoscaling bounds from 1 up")
    if isinstance(low, int) and isinstance(high, int) and high < low:
        yield Problem(where, f"maxReplicas {high} is below minReplicas {low}", "raise max_replicas or lower replicas")


def _storage_class_problems(where: str, obj: dict) -> Iterator[Problem]:
    wrong = qualified_name_problem(str(obj.get("provisioner", "")).lower())
    if wrong:
        yield Problem(where, f"provisioner {_excerpt(obj.get('provisioner'))} {wrong}", "use the CSI driver's name")
    parameters = obj.get("parameters") or {}
    size = sum(len(str(k)) + len(str(v)) for k, v in parameters.items())
    if len(parameters) > STORAGE_PARAMETERS_MAX or size >= STORAGE_PARAMETERS_MAX_BYTES or "" in parameters:
        yield Problem(where, f"{len(parameters)} parameters, {size} bytes: at most {STORAGE_PARAMETERS_MAX} non-empty "
                      f"keys under {STORAGE_PARAMETERS_MAX_BYTES} bytes", "keep only the driver's real parameters")


def _selects(selector: dict, labels: dict) -> bool:
    wanted = (selector or {}).get("matchLabels") or {}
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def _pdb_problems(objects: list[dict]) -> Iterator[Problem]:
    workloads = [o for o in objects if o.get("kind") in WORKLOAD_KINDS]
    hpas = {((o.get("metadata") or {}).get("namespace"), ((o.get("spec") or {}).get("scaleTargetRef") or {}).get("name")):
            o["spec"].get("minReplicas", 1) for o in objects if o.get("kind") == "HorizontalPodAutoscaler"}
    for pdb in (o for o in objects if o.get("kind") == "PodDisruptionBudget"):
        minimum = (pdb.get("spec") or {}).get("minAvailable")
        if not isinstance(minimum, int) or isinstance(minimum, bool):
            continue
        namespace = (pdb.get("metadata") or {}).get("namespace")
        for workload in workloads:
            meta, spec = workload.get("metadata") or {}, workload.get("spec") or {}
            labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
            if meta.get("namespace") != namespace or not _selects(pdb["spec"].get("selector"), labels):
                continue
            replicas = hpas.get((namespace, meta.get("name")), spec.get("replicas", 1))
            if minimum >= replicas:
                yield Problem(_object_id(pdb), f"minAvailable {minimum} is not below the {replicas} "
                              f"{'replica' if replicas == 1 else 'replicas'} of {_object_id(workload)}: every node "
                              "drain would block", f"lower minAvailable below {replicas} or use maxUnavailable: 1")
