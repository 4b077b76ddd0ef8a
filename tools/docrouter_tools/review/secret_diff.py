"""Two versions of a Secret, made comparable for `make diff` without showing any value.

sops encrypts every value with a fresh IV, so re-encrypting a file (`sops edit`, `sops
updatekeys`, `make secrets-init FORCE=1`) changes the ciphertext of values that did not
change. With the age key at hand (SOPS_AGE_KEY_FILE or SOPS_AGE_KEY, as for `sops decrypt`)
both versions are decrypted by sops and a key shows as changed only when its value did.
Without it, a Secret whose ciphertext changed says so once — "re-encrypted (values
unknown)" — instead of marking every key changed. Keys added or removed always show (key
names are not encrypted), and so does a change of recipients.
"""

from __future__ import annotations

import json

from docrouter_tools.review.fields import SECRET_VALUE_FIELDS, redact_secret_pair
from docrouter_tools.secrets import sops

ENCRYPTED = "(encrypted)"
REENCRYPTED = "re-encrypted (values unknown)"


def comparable_secrets(old: dict, new: dict) -> tuple[dict, dict]:
    if "sops" not in old or "sops" not in new:
        return redact_secret_pair(old, new)  # plain, or encrypted on one side only: per-key markers
    plain_old, plain_new = (_decrypted(old), _decrypted(new)) if old != new else (None, None)
    if plain_old is not None and plain_new is not None:
        old_out, new_out = redact_secret_pair(plain_old, plain_new)
        old_out["sops"], new_out["sops"] = _metadata(old), _metadata(new)
        return old_out, new_out
    old_out, new_out = redact_secret_pair(_without_values(old), _without_values(new))
    old_out["sops"], new_out["sops"] = _metadata(old), _metadata(new)
    if _encrypted_part(old) != _encrypted_part(new):
        old_out["sops"]["values"], new_out["sops"]["values"] = ENCRYPTED, REENCRYPTED
    return old_out, new_out


def _decrypted(body: dict) -> dict | None:
    """The Secret decrypted by sops (MAC verified), or None when no key here opens it."""
    name = (body.get("metadata") or {}).get("name", "secret")
    try:
        # JSON carries the parsed document unambiguously; sops' MAC covers values, not formatting.
        return json.loads(sops.decrypt_json(json.dumps(body, default=str), f"Secret {name}"))
    except (sops.SopsError, ValueError):
        return None


def _without_values(body: dict) -> dict:
    """Same keys, every value the same marker: only added and removed keys differ."""
    out = {k: v for k, v in body.items() if k != "sops"}
    for field in SECRET_VALUE_FIELDS:
        if isinstance(body.get(field), dict):
            out[field] = {key: ENCRYPTED for key in body[field]}
    return out


def _encrypted_part(body: dict) -> tuple:
    return tuple(body.get(field) for field in SECRET_VALUE_FIELDS) + ((body.get("sops") or {}).get("mac"),)


def _metadata(body: dict) -> dict:
    """What of the sops metadata a reviewer should see: who can decrypt (one line, sorted)."""
    stanzas = (body.get("sops") or {}).get("age") or []
    return {"recipients": ", ".join(sorted(str(s.get("recipient")) for s in stanzas if isinstance(s, dict)))}
