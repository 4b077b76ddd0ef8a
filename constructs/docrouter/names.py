"""Names derived from configured values, shared by the environment model and the constructs.

Below config.py (which imports it), so anything that needs one of these names needs neither pydantic
nor the model: the migration Job name (migration_names.py) is checked by the model itself.
"""

from __future__ import annotations

import re


def release_version(image_tag: str) -> str:
    """The release an image tag names, without its digest (labels and Job names carry this)."""
    return image_tag.split("@", 1)[0]


def slug(value: str) -> str:
    """A DNS-1123 label fragment: lower case, [a-z0-9-] only."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
