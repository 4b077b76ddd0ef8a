"""SOPS files with age recipients, written and read without the `sops` binary.

Why this exists: `sops` is a Go program that pip cannot install, yet `make secrets-init`
must be able to create an environment's encrypted Secrets on any machine, and tests must
prove the committed files decrypt. This module implements the part of the SOPS 3.9 file
format this repository uses, following sops' own code (sops.go, aes/cipher.go, age/):

* one YAML document whose values are strings, integers or booleans;
* every value under a key matching `encrypted_regex` becomes
  ENC[AES256_GCM,data:…,iv:…,tag:…,type:…] with a fresh 32-byte IV, encrypted with a
  random 32-byte data key; the value's key path joined with ':' plus ':' is the
  additional authenticated data, so a value moved to another key no longer decrypts;
* the MAC is SHA-512 over every value in document order (encrypted or not), upper-case
  hex, itself encrypted with the data key and `lastmodified` as additional data;
* the data key is age-encrypted (ASCII armour) to each recipient, in one key group.

Editing stays with `sops edit` (make secrets-edit), which reads these files like its own.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from datetime import datetime, timezone

import pyrage
import yaml
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = "3.9.4"  # the sops release whose file format this writes
DATA_KEY_BYTES = 32
IV_BYTES = 32  # sops' nonce size (aes/cipher.go)
TAG_BYTES = 16
# A value as sops writes it (aes/cipher.go). An empty string stays plain, so it never matches.
_B64 = "[A-Za-z0-9+/=]+"
ENC_VALUE = re.compile(rf"^ENC\[AES256_GCM,data:({_B64}),iv:({_B64}),tag:({_B64}),type:([a-z0-9]+)\]$")
Scalar = str | int | bool


class SopsError(Exception):
    """The file is not a SOPS file this module can read, or it does not decrypt."""


def encrypt_document(
    document: dict,
    recipients: list[str],
    encrypted_regex: str,
    now: datetime | None = None,
) -> str:
    """YAML text of `document` encrypted for the age `recipients` (age1...)."""
    if not recipients:
        raise SopsError("no age recipients: the .sops.yaml creation rule names none")
    if "sops" in document:
        raise SopsError("the document already has a `sops` key: it is encrypted already")
    parsed = [parse_recipient(r) for r in recipients]
    data_key = os.urandom(DATA_KEY_BYTES)
    digest = hashlib.sha512()
    pattern = re.compile(encrypted_regex)

    def seal(value: Scalar, path: list[str]) -> Scalar:
        digest.update(to_bytes(value, path))
        if any(pattern.search(key) for key in path):
            return encrypt_value(value, data_key, additional_data(path))
        return value

    encrypted = walk(document, [], seal)
    modified = rfc3339((now or datetime.now(timezone.utc)).astimezone(timezone.utc))
    encrypted["sops"] = {
        "age": [
            {"recipient": text, "enc": pyrage.encrypt(data_key, [recipient], armored=True).decode()}
            for text, recipient in zip(recipients, parsed)
        ],
        "lastmodified": modified,
        "mac": encrypt_value(digest.hexdigest().upper(), data_key, modified),
        "encrypted_regex": encrypted_regex,
        "version": FORMAT_VERSION,
    }
    return yaml.dump(encrypted, Dumper=_Dumper, sort_keys=False, width=1000)


def decrypt_document(text: str, identities: list[str]) -> dict:
    """The plaintext document; raises SopsError unless the data key and the MAC check out."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SopsError(f"not YAML: {exc}") from None
    metadata = document.get("sops") if isinstance(document, dict) else None
    if not isinstance(metadata, dict):
        raise SopsError("no `sops` metadata: the file is not encrypted")
    data_key = recover_data_key(metadata, identities)
    regex = metadata.get("encrypted_regex")
    if not regex:
        raise SopsError("only files with `encrypted_regex` are supported (the .sops.yaml rules set it)")
    pattern = re.compile(regex)
    digest = hashlib.sha512()
    body = {key: value for key, value in document.items() if key != "sops"}

    def open_(value: Scalar, path: list[str]) -> Scalar:
        if any(pattern.search(key) for key in path):
            value = decrypt_value(value, data_key, additional_data(path))
        digest.update(to_bytes(value, path))
        return value

    plain = walk(body, [], open_)
    modified = metadata.get("lastmodified", "")
    # sops reads the date and formats it again as RFC 3339; YAML may have parsed it already.
    modified = rfc3339(modified) if isinstance(modified, datetime) else str(modified)
    expected = decrypt_value(str(metadata.get("mac", "")), data_key, modified)
    if expected != digest.hexdigest().upper():
        raise SopsError("MAC mismatch: the file was changed after it was encrypted")
    return plain


def rfc3339(moment: datetime) -> str:
    text = moment.replace(microsecond=0).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def recover_data_key(metadata: dict, identities: list[str]) -> bytes:
    try:
        keys = [pyrage.x25519.Identity.from_str(i.strip()) for i in identities]
    except pyrage.IdentityError:
        raise SopsError("not an age private key (AGE-SECRET-KEY-1...)") from None
    for stanza in metadata.get("age") or []:
        try:
            data_key = pyrage.decrypt(str(stanza.get("enc", "")).encode(), keys)
        except pyrage.DecryptError:
            continue
        if len(data_key) == DATA_KEY_BYTES:
            return data_key
    raise SopsError("none of the given age identities can decrypt the data key")


def parse_recipient(text: str) -> pyrage.x25519.Recipient:
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except pyrage.RecipientError:
        raise SopsError(f"{text!r} is not an age public key (age1...)") from None


def generate_identity() -> tuple[str, str]:
    """A new age key pair: (AGE-SECRET-KEY-1..., age1...)."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def recipients_of(document: dict) -> list[str]:
    return [str(s.get("recipient")) for s in (document.get("sops") or {}).get("age") or []]


def walk(node, path: list[str], leaf):
    if isinstance(node, dict):
        return {key: walk(value, [*path, str(key)], leaf) for key, value in node.items()}
    if isinstance(node, list):
        # sops does not add list indices to the path.
        return [walk(item, path, leaf) for item in node]
    return leaf(node, path)


def additional_data(path: list[str]) -> str:
    return ":".join(path) + ":"


def to_bytes(value: Scalar, path: list[str]) -> bytes:
    """A value as sops feeds it to the MAC (sops.ToBytes)."""
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, (str, int)):
        return str(value).encode()
    # Floats are left out on purpose: Go and Python format them differently.
    raise SopsError(f"{':'.join(path)}: values must be strings, integers or booleans, not {type(value).__name__}")


def encrypt_value(value: Scalar, key: bytes, aad: str) -> str:
    if value == "":
        return ""  # sops leaves empty strings as they are
    plain = to_bytes(value, aad.split(":")[:-1])
    kind = {bool: "bool", int: "int", str: "str"}[type(value)]
    iv = os.urandom(IV_BYTES)
    sealed = AESGCM(key).encrypt(iv, plain, aad.encode())
    data, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"ENC[AES256_GCM,data:{b64(data)},iv:{b64(iv)},tag:{b64(tag)},type:{kind}]"


def decrypt_value(value: Scalar, key: bytes, aad: str) -> Scalar:
    if value == "":
        return ""
    match = ENC_VALUE.match(value) if isinstance(value, str) else None
    if not match:
        raise SopsError(f"value at '{aad}' is not SOPS ciphertext (ENC[AES256_GCM,...])")
    data, iv, tag = (base64.b64decode(part) for part in match.group(1, 2, 3))
    try:
        raw = AESGCM(key).decrypt(iv, data + tag, aad.encode()).decode()
    except InvalidTag:
        raise SopsError(f"value at '{aad}' does not decrypt: it was altered or moved to another key") from None
    kind = match.group(4)
    if kind == "bool":
        return raw == "True"
    if kind == "int":
        return int(raw)
    if kind == "str":
        return raw
    raise SopsError(f"value at '{aad}' has type {kind}; only str, int and bool are supported")


class _Dumper(yaml.SafeDumper):
    """Block style; multi-line strings (the age armour) as literal blocks, as sops writes them."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
