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
- pkg/apis/networking/validation/validation.go: an Ingress host is a DNS-1123 subdomain, not an IP
- pkg/apis/autoscaling/validation/validation.go: minReplicas ≥ 1, maxReplicas > 0 and ≥ minReplicas,
  averageUtilization > 0
- pkg/apis/rbac/validation/validation.go: ValidateRBACName (any path segment name)
- pkg/apis/storage/validation/validation.go: provisioner is a qualified name; at most 512
  parameters, keys and values together under 256 KiB

The environment model (config.py, `Environment._api_server_rules`) applies them to the fields of an
environment file (so the message names the field); manifest_rules.py applies the same rules to every
rendered object (so construct code cannot produce what the API refuses either).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from docrouter import quantities

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

# Kinds whose name is a DNS-1123 label or DNS-1035 label, or (RBAC, ValidateRBACName) any path segment;
# every other kind's name is a DNS-1123 subdomain.
_LABEL_NAMED_KINDS = {"Namespace": _DNS1123_LABEL}
_DNS1035_NAMED_KINDS = {"Service"}
_PATH_SEGMENT_KINDS = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}


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
    if kind in _PATH_SEGMENT_KINDS:
        bad = not name or name in (".", "..") or "/" in name or "%" in name
        return f"name '{excerpt(name)}' may not be empty, '.', '..' or contain '/' or '%'" if bad else None
    if kind in _DNS1035_NAMED_KINDS:
        what = "a DNS-1035 label (a-z, 0-9, '-', starting with a letter)"
        limit, pattern = DNS1123_LABEL_MAX, _DNS1035_LABEL
    elif kind in _LABEL_NAMED_KINDS:
        limit, pattern, what = DNS1123_LABEL_MAX, _LABEL_NAMED_KINDS[kind], "a DNS-1123 label (a-z, 0-9, '-')"
    else:
        limit, pattern, what = DNS1123_SUBDOMAIN_MAX, _DNS1123_SUBDOMAIN, "a DNS-1123 subdomain (a-z, 0-9, '-', '.')"
    if len(name) > limit:
        return f"name is {len(name)} characters; at most {limit} allowed"
    if not pattern.fullmatch(name):
        return f"name '{excerpt(name)}' is not {what}"
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


def port_problem(port: object, unset_allowed: bool = False) -> str | None:
    """IsValidPortNum; 0 means "not set" where the API defaults it (a Service's targetPort and nodePort)."""
    if unset_allowed and port == 0:
        return None
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
                yield Problem(
                    f"{where}.{side}.{resource}", f"'{excerpt(value)}' is not a quantity", "write e.g. 250m or 512Mi"
                )
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
        return Problem(where, f"storage size '{excerpt(value)}' must be greater than zero", "use a size such as 10Gi")
    return None


def excerpt(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def ingress_host_problems(host: str) -> list[Problem]:
    """An Ingress host (validateIngressRules): a DNS name, never an IP address, at most 253 characters."""
    if _is_ip(host):  # "must be a DNS name, not an IP address"
        return [
            Problem(
                "ingress.host",
                f"{host} is an IP address; an Ingress host must be a DNS name",
                "use the DNS name clients connect to",
            )
        ]
    if len(host) > DNS1123_SUBDOMAIN_MAX:
        message = f"is {len(host)} characters; a host may have at most {DNS1123_SUBDOMAIN_MAX}"
        return [Problem("ingress.host", message, "use the real, shorter host name")]
    return []


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
