"""Guards synth runs on the manifests of one environment before writing anything."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

# API groups whose CRDs come from a controller in dist/, and the object that installs them.
CRD_INSTALLERS = {
    "cert-manager.io": ("HelmRelease", "cert-manager"),
    "acme.cert-manager.io": ("HelmRelease", "cert-manager"),
}


class SynthError(Exception):
    """The manifests would be wrong or unsafe; nothing was written."""


def object_id(obj: dict) -> str:
    meta = obj.get("metadata", {})
    namespace = meta.get("namespace")
    return f"{obj.get('kind')} {namespace + '/' if namespace else ''}{meta.get('name')}"


def api_group(obj: dict) -> str:
    api_version = obj.get("apiVersion", "")
    return api_version.split("/")[0] if "/" in api_version else ""


def is_sops_encrypted(obj: dict) -> bool:
    """True when a Secret carries SOPS metadata and every value is ciphertext."""
    if "sops" not in obj:
        return False
    values = {**(obj.get("data") or {}), **(obj.get("stringData") or {})}
    return all(isinstance(v, str) and v.startswith("ENC[") for v in values.values())


def check_no_plain_secrets(env: str, objects: Iterable[dict]) -> None:
    for obj in objects:
        if obj.get("kind") == "Secret" and (obj.get("data") or obj.get("stringData")) and not is_sops_encrypted(obj):
            raise SynthError(
                f"environment '{env}': {object_id(obj)} has plain-text data. "
                "Fix: never build Secrets with values in constructs; commit a SOPS-encrypted file "
                "(see README, 'Secrets') and reference the Secret by name."
            )


def check_unique(env: str, layered: dict[str, list[dict]]) -> None:
    seen = Counter(
        (api_group(o), o.get("kind"), o["metadata"].get("namespace"), o["metadata"]["name"])
        for objects in layered.values()
        for o in objects
    )
    duplicates = [key for key, count in seen.items() if count > 1]
    if duplicates:
        listed = ", ".join(f"{kind} {ns + '/' if ns else ''}{name}" for _, kind, ns, name in sorted(duplicates, key=str))
        raise SynthError(
            f"environment '{env}': more than one object named {listed}. "
            "Fix: give each object a unique name; Flux refuses duplicates."
        )


def check_crd_layering(env: str, layered: dict[str, list[dict]]) -> None:
    """A custom resource must be in a later layer than the controller installing its CRD."""
    order = list(layered)
    installed_in = {
        (o["kind"], o["metadata"]["name"]): index
        for index, path in enumerate(order)
        for o in layered[path]
    }
    for index, path in enumerate(order):
        for obj in layered[path]:
            installer = CRD_INSTALLERS.get(api_group(obj))
            if installer is None or installer not in installed_in:
                continue
            if installed_in[installer] >= index:
                raise SynthError(
                    f"environment '{env}': {object_id(obj)} is in layer '{path}', but its CRD is installed by "
                    f"{installer[0]} {installer[1]} in layer '{order[installed_in[installer]]}'. Flux dry-runs a "
                    "whole layer before applying it, so the CRD would not exist yet. "
                    "Fix: move the custom resource to a later layer (see layers.py)."
                )
