"""Policy on every workload the repository defines, and on Secrets and exemption annotations."""

from __future__ import annotations

from collections.abc import Callable

from docrouter.kinds import LONG_RUNNING_KINDS, max_unavailable, replicas, strategy_type
from docrouter.pod_templates import unpinned
from docrouter.synthesis.checks import is_sops_encrypted
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.model import Document, Finding, object_finding
from docrouter_tools.validate.pod_security import pod_security_problems
from docrouter_tools.validate.rules import EXEMPTIBLE_PREFIXES, EXEMPTION_PREFIX, RULES
from docrouter_tools.validate.workloads import WORKLOAD_KINDS, containers, pod_spec

RESOURCE_FIELDS = ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


def resource_problems(doc: Document) -> list[str]:
    problems = []
    for _, container in containers(doc):
        resources = container.get("resources") or {}
        missing = [f for f in RESOURCE_FIELDS if not (resources.get(f.split(".")[0]) or {}).get(f.split(".")[1])]
        if missing:
            problems.append(f"container {container.get('name')} lacks {', '.join(missing)}")
    return problems


def readiness_problems(doc: Document) -> list[str]:
    if doc.kind not in LONG_RUNNING_KINDS:
        return []  # Jobs run to completion; nothing routes traffic to them
    problems = []
    for field, container in containers(doc):
        long_running = field == "containers" or container.get("restartPolicy") == "Always"  # sidecars
        if long_running and not container.get("readinessProbe"):
            problems.append(f"container {container.get('name')} has no readinessProbe")
    return problems


def image_problems(doc: Document) -> list[str]:
    problems = []
    for _, container in containers(doc):
        image = str(container.get("image") or "")
        problem = unpinned(image)
        if problem:
            problems.append(f"container {container.get('name')} image {image!r} has {problem}")
    return problems


def max_unavailable_problems(doc: Document, objects: list[dict]) -> list[str]:
    if doc.kind != "Deployment":
        return []
    count = replicas(doc.obj, objects).count
    if count < 2:
        return []
    if strategy_type(doc.obj) == "Recreate":
        return [f"{count} replicas with strategy Recreate (every pod goes down at once)"]
    unavailable = max_unavailable(doc.obj)
    if unavailable not in (0, "0", "0%"):
        return [f"{count} replicas with maxUnavailable {unavailable}"]
    return []


POD_RULES: dict[str, tuple[Callable[[Document], list[str]], str]] = {
    "policy/pod-security": (pod_security_problems, "meet Pod Security 'restricted' (see workload.py)"),
    "policy/resources": (resource_problems, "set cpu and memory requests and limits on every container"),
    "policy/readiness-probe": (readiness_problems, "add a readinessProbe that checks the container can serve"),
    "policy/image-tag": (image_problems, "pin the image to a released tag or a digest"),
}


def check_policy(inventory: Inventory) -> list[Finding]:
    findings: list[Finding] = []
    hpas = [hpa.obj for hpa in inventory.of_kind("HorizontalPodAutoscaler")]
    for doc in inventory.of_kind(*WORKLOAD_KINDS):
        if not pod_spec(doc):
            continue  # schema checks report a workload without a pod template
        for rule, (problems_of, fix) in POD_RULES.items():
            problems = problems_of(doc)
            if problems:
                findings.append(object_finding(doc, rule, "; ".join(problems), fix))
        problems = max_unavailable_problems(doc, hpas)
        if problems:
            fix = "set strategy.rollingUpdate.maxUnavailable: 0 (and maxSurge: 1)"
            findings.append(object_finding(doc, "policy/max-unavailable", "; ".join(problems), fix))
    for doc in inventory.of_kind("Secret"):
        if (doc.obj.get("data") or doc.obj.get("stringData")) and not is_sops_encrypted(doc.obj):
            findings.append(
                object_finding(
                    doc,
                    "policy/plain-secret",
                    "data is plain text (no sops metadata, or values not ENC[...])",
                    "encrypt it with `make secrets-edit`, and rotate the values: they are in git history",
                )
            )
    return findings + _check_exemptions(inventory)


def _check_exemptions(inventory: Inventory) -> list[Finding]:
    findings = []
    exemptible = {rule.replace("/", "-"): rule for rule in RULES if rule.startswith(EXEMPTIBLE_PREFIXES)}
    for doc in inventory.documents:
        for annotation, reason in doc.annotations.items():
            if not str(annotation).startswith(EXEMPTION_PREFIX):
                continue
            suffix = str(annotation)[len(EXEMPTION_PREFIX) :]
            if suffix not in exemptible:
                message = f"{annotation} names no exemptible rule"
            elif not isinstance(reason, str) or not reason.strip():
                message = f"{annotation} gives no reason, so it is not honoured"
            else:
                continue
            fix = "name a ref/* or policy/* rule (its '/' written as '-') and give the reason as the value"
            findings.append(object_finding(doc, "policy/exemption", message, fix))
    return findings
