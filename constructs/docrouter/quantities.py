"""Kubernetes quantities (250m, 1, 512Mi, 10Gi, 1e3) to numbers and back: the one parser every module uses.

The grammar is apimachinery's (k8s.io/apimachinery/pkg/api/resource/quantity.go):

    <quantity>     ::= <signedNumber><suffix>
    <number>       ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
    <suffix>       ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI>     ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI>    ::= n | u | m | "" | k | M | G | T | P | E
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>

Values are exact (Decimal), so 1Gi and 1024Mi compare equal, as the API server's Quantity.Cmp does.
"""

from __future__ import annotations

import re
from decimal import Decimal

_SUFFIX = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}
# Bounded: a quantity is short; a few digits of exponent are plenty (and keep Decimal from overflowing).
_QUANTITY = re.compile(
    r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]{1,3}))?"
)
MAX_LENGTH = 64


def exact(value: object) -> Decimal | None:
    """The quantity as an exact number (cores, bytes), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = str(value)
    if len(text) > MAX_LENGTH:
        return None
    match = _QUANTITY.fullmatch(text)
    if not match:
        return None
    number, suffix, exponent = match.groups()
    scale = Decimal(10) ** int(exponent) if exponent is not None else _SUFFIX[suffix or ""]
    return Decimal(number) * scale


def parse(value: object) -> float | None:
    """The quantity as a plain float (for sums and display), or None if it is not one."""
    number = exact(value)
    return None if number is None else float(number)


def format_cpu(cores: float) -> str:
    millis = round(cores * 1000)
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_memory(size: float) -> str:
    for suffix in ("Gi", "Mi", "Ki"):
        unit = float(_SUFFIX[suffix])
        if size >= unit and size % unit == 0:
            return f"{int(size // unit)}{suffix}"
    return f"{round(size / 2**20)}Mi" if size >= 2**20 else str(int(size))
