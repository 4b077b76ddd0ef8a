"""Guards synth runs on the manifests of one environment before writing anything."""

from __future__ import annotations

import re
from collections.abc import Iterable

from docrouter import kinds
from docrouter.constants import CERT_MANAGER_CHART, MONGODB_OPERATOR_CHART
from docrouter.identity import api_group, duplicates, object_key, object_ref, ref_of
from docrouter.synthesis.manifest_rules import object_problems

# API groups whose CRDs come from a controller in dist/, and the object that installs them.
_CERT_MANAGER = ("HelmRelease", CERT_MANAGER_CHART.name)
_MONGODB_OPERATOR = ("HelmRelease", MONGODB_OPERATOR_CHART.name)
CRD_INSTALLERS = {
    kinds.group_of(kinds.CLUSTER_ISSUER): _CERT_MANAGER,
    "acme.cert-manager.io": _CERT_MANAGER,  # Orders and Challenges (cert-manager creates them)
    kinds.group_of(kinds.MONGODB_COMMUNITY): _MONGODB_OPERATOR,
    kinds.group_of(kinds.MONGODB_SEARCH): _MONGODB_OPERATOR,
}


class SynthError(Exception):
    """The manifests would be wrong or unsafe; nothing was written."""


# A value as sops writes it (aes/cipher.go in getsops/sops): AES256-GCM data, IV, tag and the value's type.
_B64 = "[A-Za-z0-9+/=]+"
ENC_VALUE = re.compile(rf"^ENC\[AES256_GCM,data:{_B64},iv:{_B64},tag:{_B64},type:[a-z0-9]+\]$")
SECRET_VALUE_FIELDS = ("data", "stringData")


def is_sops_encrypted(obj: dict) -> bool:
    """A thin guard, not a decryption: the Secret carries sops metadata (an encrypted MAC, a date,
    age recipients) and every non-empty value under data/stringData is ciphertext.

    Empty strings and nulls are accepted: sops leaves them as they are (there is nothing to hide).
    Whether the recipients are the right ones is checked against .sops.yaml by the callers.
    """
    meta = obj.get("sops")
    if not isinstance(meta, dict) or not ENC_VALUE.match(str(meta.get("mac", ""))) or not meta.get("lastmodified"):
        return False
    stanzas = meta.get("age")
    if not isinstance(stanzas, list) or not stanzas:
        return False
    if not all(isinstance(s, dict) and s.get("recipient") and s.get("enc") for s in stanzas):
        return False
    for field in SECRET_VALUE_FIELDS:
        values = obj.get(field)
        if values is None:
            continue
        if not isinstance(values, dict):
            return False
        if not all(v is None or v == "" or (isinstance(v, str) and ENC_VALUE.match(v)) for v in values.values()):
            return False
    return True


def recipients_of(obj: dict) -> list[str]:
    """The age recipients a SOPS file's data key is encrypted for (its `sops.age[].recipient`)."""
    meta = obj.get("sops")
    stanzas = meta.get("age") if isinstance(meta, dict) else None
    stanzas = stanzas if isinstance(stanzas, list) else []
    return [str(s["recipient"]) for s in stanzas if isinstance(s, dict) and s.get("recipient")]


def check_no_plain_secrets(env: str, objects: Iterable[dict]) -> None:
    for obj in objects:
        if obj.get("kind") == "Secret" and (obj.get("data") or obj.get("stringData")) and not is_sops_encrypted(obj):
            raise SynthError(
                f"environment '{env}': {ref_of(obj)} has plain-text data. "
                "Fix: never build Secrets with values in constructs; commit a SOPS-encrypted file "
                "(see README, 'Secrets') and reference the Secret by name."
            )


def check_unique(env: str, layered: dict[str, list[dict]]) -> None:
    objects = [o for objects in layered.values() for o in objects]
    repeated = sorted({object_key(later) for _, later in duplicates(objects, object_key)}, key=str)
    if repeated:
        listed = ", ".join(object_ref(kind, ns, name) for _, kind, ns, name in repeated)
        raise SynthError(
            f"environment '{env}': more than one object named {listed}. "
            "Fix: give each object a unique name; Flux refuses duplicates."
        )


def check_crd_layering(env: str, layered: dict[str, list[dict]]) -> None:
    """A custom resource must be in a later layer than the controller installing its CRD."""
    order = list(layered)
    installed_in = {
        (o["kind"], o["metadata"]["name"]): index for index, path in enumerate(order) for o in layered[path]
    }
    for index, path in enumerate(order):
        for obj in layered[path]:
            installer = CRD_INSTALLERS.get(api_group(obj))
            if installer is None or installer not in installed_in:
                continue
            if installed_in[installer] >= index:
                raise SynthError(
                    f"environment '{env}': {ref_of(obj)} is in layer '{path}', but its CRD is installed by "
                    f"{installer[0]} {installer[1]} in layer '{order[installed_in[installer]]}'. Flux dry-runs a "
                    "whole layer before applying it, so the CRD would not exist yet. "
                    "Fix: move the custom resource to a later layer (see layers.py)."
                )


MAX_PROBLEMS_SHOWN = 5


def check_api_rules(env: str, objects: Iterable[dict]) -> None:
    """What the API server would refuse (apirules.py) stops synth, not a Flux apply after merge."""
    problems = object_problems(objects)
    if problems:
        shown = "; ".join(str(p) for p in problems[:MAX_PROBLEMS_SHOWN])
        more = f" (and {len(problems) - MAX_PROBLEMS_SHOWN} more)" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        raise SynthError(f"environment '{env}': the API server would refuse {shown}{more}")


# Key names and value shapes that mean a credential leaked into a ConfigMap.
CREDENTIAL_KEY = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)", re.I)
CREDENTIAL_VALUE = re.compile(
    r"(://[^/\s:@]{1,256}:[^@\s<>]{1,512}@"  # user:password@ in a URI (bounded: linear on long values)
    r"|AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\bsk-[A-Za-z0-9_-]{16,}"  # OpenAI/Anthropic/Stripe style secret keys
    r"|\bxox[abpr]-[A-Za-z0-9-]{10,})"  # Slack tokens
)


def check_configmaps_hold_no_credentials(env: str, objects: Iterable[dict]) -> None:
    for obj in objects:
        if obj.get("kind") != "ConfigMap":
            continue
        for key, value in (obj.get("data") or {}).items():
            if CREDENTIAL_KEY.search(key) or CREDENTIAL_VALUE.search(str(value)):
                raise SynthError(
                    f"environment '{env}': {ref_of(obj)} key '{key}' looks like a credential. "
                    "Fix: move it to the SOPS-encrypted Secret (see README, 'Secrets')."
                )
