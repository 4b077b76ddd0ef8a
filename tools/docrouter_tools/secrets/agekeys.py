"""age key pairs, made with pyrage (the age library) so no age-keygen needs to be installed.

A key file has the format `age-keygen -o` writes, which sops (SOPS_AGE_KEY_FILE) and Flux
(the `*.agekey` entry of the sops-age Secret) both read.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyrage


def generate_identity() -> tuple[str, str]:
    """A new age key pair: (AGE-SECRET-KEY-1..., age1...)."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def key_file_text(identity: str, recipient: str) -> str:
    """The content of an age key file, as `age-keygen -o` writes it."""
    created = datetime.now(UTC).isoformat(timespec="seconds")
    return f"# created: {created}\n# public key: {recipient}\n{identity}\n"
