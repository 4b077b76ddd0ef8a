"""The API server's rules (apirules.py) applied to every rendered object, before synth writes anything.

Construct code, not only the environment file, can produce what Kubernetes refuses; this is the net
for it. It also refuses a PDB whose minAvailable reaches its workload's replicas: valid for the API,
but every node drain would block.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from docrouter.apirules import (
    MAX_OBJECT_DATA_BYTES,
    STORAGE_PARAMETERS_MAX,
    STORAGE_PARAMETERS_MAX_BYTES,
    Problem,
    excerpt,
    label_value_problem,
    name_problem,
    port_problem,
    qualified_name_problem,
    requests_limits_problems,
    storage_problem,
)
from docrouter.identity import ref_of
from docrouter.kinds import claims, pod_sets
from docrouter.pod_templates import blocks_drains, containers, min_available, selector_matches


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
                yield Problem(where, f"label {key}={excerpt(value)} {wrong}", "shorten or correct the label")


def _pod_problems(obj: dict, where: str) -> Iterator[Problem]:
    for _, container in containers(obj):
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
        where, kind, spec = ref_of(obj), obj.get("kind"), obj.get("spec") or {}
        problems += _metadata_problems(obj, where)
        problems += _pod_problems(obj, where)
        if kind in ("ConfigMap", "Secret") and "sops" not in obj and _data_size(obj) > MAX_OBJECT_DATA_BYTES:
            problems.append(
                Problem(
                    where,
                    f"data is {_data_size(obj)} bytes; the API server's limit is {MAX_OBJECT_DATA_BYTES} (1 MiB)",
                    "move large content out (a volume, S3)",
                )
            )
        if kind == "Service":
            for port in spec.get("ports") or []:
                for field in ("port", "targetPort", "nodePort"):
                    wrong = port_problem(port.get(field), unset_allowed=field != "port")
                    if wrong:
                        problems.append(Problem(where, f"{field}: {wrong}", "use a port between 1 and 65535"))
        for claim in claims(obj):  # also the claims an operator makes from a custom resource (kinds.py)
            if claim.storage is None and kind in ("MongoDBSearch", "PersistentVolumeClaim"):
                continue  # the operator's default size; a PVC without a size is a schema error
            problem = storage_problem(f"{where} {claim.path} ({claim.name})", claim.storage)
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
    if isinstance(high, int) and high < 1:
        yield Problem(where, f"maxReplicas {high} must be greater than 0", "set autoscaling.max_replicas to 1 or more")
    for metric in spec.get("metrics") or []:
        target = ((metric or {}).get("resource") or {}).get("target") or {}
        utilization = target.get("averageUtilization")
        if isinstance(utilization, int) and utilization < 1:
            yield Problem(
                where,
                f"averageUtilization {utilization} must be greater than 0",
                "set the utilization target to a positive percentage",
            )


def _storage_class_problems(where: str, obj: dict) -> Iterator[Problem]:
    wrong = qualified_name_problem(str(obj.get("provisioner", "")).lower())
    if wrong:
        yield Problem(where, f"provisioner {excerpt(obj.get('provisioner'))} {wrong}", "use the CSI driver's name")
    parameters = obj.get("parameters") or {}
    size = sum(len(str(k)) + len(str(v)) for k, v in parameters.items())
    if len(parameters) > STORAGE_PARAMETERS_MAX or size >= STORAGE_PARAMETERS_MAX_BYTES or "" in parameters:
        yield Problem(
            where,
            f"{len(parameters)} parameters, {size} bytes: at most {STORAGE_PARAMETERS_MAX} non-empty "
            f"keys under {STORAGE_PARAMETERS_MAX_BYTES} bytes",
            "keep only the driver's real parameters",
        )


def _pdb_problems(objects: list[dict]) -> Iterator[Problem]:
    workloads = [(o, pod_set) for o in objects for pod_set in pod_sets(o, objects)]
    for pdb in (o for o in objects if o.get("kind") == "PodDisruptionBudget"):
        minimum = min_available(pdb)
        if minimum is None:
            continue
        namespace = (pdb.get("metadata") or {}).get("namespace")
        for workload, (_, labels, count) in workloads:
            meta = workload.get("metadata") or {}
            if meta.get("namespace") != namespace or not selector_matches(pdb["spec"].get("selector"), labels):
                continue
            if blocks_drains(count, minimum):
                yield Problem(
                    ref_of(pdb),
                    f"minAvailable {minimum} is not below the {count} "
                    f"{'replica' if count == 1 else 'replicas'} of {ref_of(workload)}: every node "
                    "drain would block",
                    f"lower minAvailable below {count} or use maxUnavailable: 1",
                )
