"""Short, one-line text for field values in reports."""

from __future__ import annotations

import json

from docrouter_tools.review.model import MISSING, FieldChange, ImageChange

MAX_VALUE = 120


def show(value: object) -> str:
    if value is MISSING:
        return "(absent)"
    # An empty or space-padded string is quoted, so "" -> "x" never reads as nothing -> x.
    if isinstance(value, str) and value != "" and value == value.strip():
        text = value
    else:
        text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def field_line(change: FieldChange) -> str:
    return f"{change.path}: {show(change.old)} → {show(change.new)}"


def image_line(change: ImageChange) -> str:
    return f"{change.object.label()} [{change.container}]: {change.old or '(none)'} → {change.new or '(none)'}"
