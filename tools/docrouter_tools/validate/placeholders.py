"""Values a person must supply (secrets/TEMPLATE.md: required, not generated) that are still placeholders.

`make secrets-init` writes CHANGE-ME for them. The check needs no key: sops encrypts with AES-GCM,
whose ciphertext (the base64 `data:` of `ENC[AES256_GCM,data:…,iv:…,tag:…]`) is exactly as long as
the plaintext, so a value shorter than its key's shortest real one (catalog.py `min_length`) is
known to be wrong without decrypting it.
"""

from __future__ import annotations

import base64
import binascii
import re

from docrouter_tools.secrets.catalog import SECRETS
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.model import WARNING, Finding, object_finding

CIPHERTEXT = re.compile(r"^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),")


def check_placeholders(inventory: Inventory) -> list[Finding]:
    findings = []
    for doc in inventory.of_kind("Secret"):
        known = SECRETS.get(doc.name)
        if "sops" not in doc.obj or known is None or known[0] != doc.namespace:
            continue
        values = doc.obj.get("stringData") or doc.obj.get("data") or {}
        values = values if isinstance(values, dict) else {}
        for key in (k for k in known[1] if k.min_length):
            if key.name not in values:
                message = f"{key.name} is missing: {key.description}"
            else:
                length = _plaintext_length(values[key.name])
                if length is None or length >= key.min_length:
                    continue  # long enough, or not sops ciphertext (policy/plain-secret reports that)
                message = (
                    f"{key.name} is {length} characters long, shorter than any real one ({key.min_length}+): "
                    "still the CHANGE-ME `make secrets-init` wrote"
                )
            fix = f"set it with `make secrets-edit ENV={inventory.env.name} SECRET={doc.name}` (secrets/TEMPLATE.md)"
            findings.append(object_finding(doc, "sops/placeholder", message, fix, WARNING))
    return findings


def _plaintext_length(value: object) -> int | None:
    """Length of the encrypted value's plaintext; None when it is absent or not sops ciphertext."""
    found = CIPHERTEXT.match(value) if isinstance(value, str) else None
    if found is None:
        return 0 if value == "" else None
    try:
        return len(base64.b64decode(found.group(1), validate=True))
    except binascii.Error:
        return None
