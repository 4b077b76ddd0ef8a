"""References between objects of one environment: selectors, Ingress backends, HPA targets, issuers."""

from __future__ import annotations

from docrouter import constants as c
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.model import Document, Finding, object_finding
from docrouter_tools.validate.workloads import POD_OWNER_KINDS, describe_selector, pods_matching

ISSUER_ANNOTATIONS = {"cert-manager.io/cluster-issuer": "ClusterIssuer", "cert-manager.io/issuer": "Issuer"}


def check_references(inventory: Inventory) -> list[Finding]:
    workloads = inventory.of_kind(*POD_OWNER_KINDS)
    findings: list[Finding] = []
    for doc in inventory.of_kind("Service"):
        selector = (doc.obj.get("spec") or {}).get("selector")
        if selector and not pods_matching(workloads, doc.namespace, {"matchLabels": selector}):
            findings.append(_unmatched(doc, "ref/service-selector", {"matchLabels": selector}))
    for doc in inventory.of_kind("PodDisruptionBudget"):
        selector = (doc.obj.get("spec") or {}).get("selector")
        if isinstance(selector, dict) and not pods_matching(workloads, doc.namespace, selector):
            findings.append(_unmatched(doc, "ref/pdb-selector", selector))
    for doc in inventory.of_kind("NetworkPolicy"):
        selector = (doc.obj.get("spec") or {}).get("podSelector") or {}
        # An empty podSelector selects every pod of the namespace (default-deny policies): always fine.
        if selector and not pods_matching(workloads, doc.namespace, selector):
            findings.append(_unmatched(doc, "ref/networkpolicy-selector", selector))
    findings += _check_ingresses(inventory)
    findings += _check_hpa_targets(inventory)
    return findings


def _unmatched(doc: Document, rule: str, selector: dict) -> Finding:
    return object_finding(
        doc,
        rule,
        f"selector {describe_selector(selector)} matches no pod template in namespace {doc.namespace}",
        "make the selector equal the labels of the workload's pod template (or remove the object)",
    )


def _ingress_backends(spec: dict) -> list[tuple[str, dict]]:
    backends = [("defaultBackend", spec["defaultBackend"])] if isinstance(spec.get("defaultBackend"), dict) else []
    for rule in spec.get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            if isinstance(path.get("backend"), dict):
                backends.append((f"path {rule.get('host', '*')}{path.get('path', '')}", path["backend"]))
    return backends


def _check_ingresses(inventory: Inventory) -> list[Finding]:
    services = {(d.namespace, d.name): d for d in inventory.of_kind("Service")}
    issuers = {
        (d.kind, d.namespace if d.kind == "Issuer" else None, d.name)
        for d in inventory.of_kind("ClusterIssuer", "Issuer")
    }
    findings = []
    for doc in inventory.of_kind("Ingress"):
        for where, backend in _ingress_backends(doc.obj.get("spec") or {}):
            problem = _backend_problem(services, doc.namespace, backend.get("service"))
            if problem:
                fix = "point the backend at an existing Service and one of its ports"
                findings.append(object_finding(doc, "ref/ingress-backend", f"{where}: {problem}", fix))
        for annotation, kind in ISSUER_ANNOTATIONS.items():
            name = doc.annotations.get(annotation)
            if name and (kind, doc.namespace if kind == "Issuer" else None, name) not in issuers:
                findings.append(
                    object_finding(
                        doc,
                        "ref/cluster-issuer",
                        f"annotation {annotation} names {kind} {name}, which this environment does not define",
                        f"use an issuer defined in infrastructure/configs ({' or '.join(c.CLUSTER_ISSUERS)})",
                    )
                )
    return findings + _check_certificate_issuers(inventory, issuers)


def _check_certificate_issuers(inventory: Inventory, issuers: set) -> list[Finding]:
    """A Certificate's issuerRef names an Issuer of its own namespace (kind defaults to Issuer) or a
    ClusterIssuer (cert-manager v1.19 apis/certmanager/v1 types_certificate.go IssuerRef)."""
    findings = []
    for doc in inventory.of_kind("Certificate"):
        ref = (doc.obj.get("spec") or {}).get("issuerRef") or {}
        kind = ref.get("kind") or "Issuer"
        if (kind, doc.namespace if kind == "Issuer" else None, ref.get("name")) not in issuers:
            findings.append(
                object_finding(
                    doc,
                    "ref/cluster-issuer",
                    f"spec.issuerRef names {kind} {ref.get('name')}, which this environment does not define"
                    + (f" in namespace {doc.namespace}" if kind == "Issuer" else ""),
                    "name an Issuer of the Certificate's namespace or a ClusterIssuer in infrastructure/configs",
                )
            )
    return findings


def _backend_problem(services: dict, namespace: str | None, backend: object) -> str | None:
    if not isinstance(backend, dict):
        return "no service backend (resource backends are not checked)" if backend is not None else None
    service = services.get((namespace, backend.get("name")))
    if service is None:
        return f"Service {namespace}/{backend.get('name')} does not exist"
    port = backend.get("port") or {}
    ports = (service.obj.get("spec") or {}).get("ports") or []
    if "number" in port and not any(p.get("port") == port["number"] for p in ports):
        return f"Service {backend.get('name')} has no port {port['number']}"
    if "name" in port and not any(p.get("name") == port["name"] for p in ports):
        return f"Service {backend.get('name')} has no port named {port['name']}"
    return None


def _check_hpa_targets(inventory: Inventory) -> list[Finding]:
    findings = []
    existing = {(d.group, d.kind, d.namespace, d.name) for d in inventory.documents}
    for doc in inventory.of_kind("HorizontalPodAutoscaler"):
        target = (doc.obj.get("spec") or {}).get("scaleTargetRef") or {}
        api_version = str(target.get("apiVersion", ""))
        group = api_version.split("/")[0] if "/" in api_version else ""
        if (group, target.get("kind"), doc.namespace, target.get("name")) not in existing:
            findings.append(
                object_finding(
                    doc,
                    "ref/hpa-target",
                    f"scaleTargetRef {api_version} {target.get('kind')} "
                    f"{doc.namespace}/{target.get('name')} does not exist",
                    "point scaleTargetRef at the workload's apiVersion, kind and name",
                )
            )
    return findings
