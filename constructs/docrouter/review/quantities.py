"""Kubernetes quantities (250m, 1, 512Mi, 10Gi) to numbers and back, for sizes and capacity."""

from __future__ import annotations

import re

_SUFFIX = {
    "": 1, "m": 0.001, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40,
}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$")


def parse(value: object) -> float | None:
    """The quantity as a plain number (cores, bytes), or None if it is not one."""
    if isinstance(value, (int, float)):
        return float(value)
    match = _QUANTITY.match(str(value).strip())
    if not match:
        return None
    return float(match.group(1)) * _SUFFIX[match.group(2) or ""]


def format_cpu(cores: float) -> str:
    millis = round(cores * 1000)
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_memory(size: float) -> str:
    for suffix in ("Gi", "Mi", "Ki"):
        unit = _SUFFIX[suffix]
        if size >= unit and size % unit == 0:
            return f"{int(size // unit)}{suffix}"
    return f"{round(size / 2**20)}Mi" if size >= 2**20 else str(int(size))
