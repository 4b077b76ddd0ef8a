"""Structural field diff of two versions of one object (deepdiff, not text).

Key order and formatting never show up: both sides are parsed YAML. Secret values
(plain or SOPS ciphertext) are replaced by markers first, so only the names of the
keys that changed can ever reach a report.
"""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import notpresent

from docrouter.identity import field_path
from docrouter_tools.review.model import MISSING, FieldChange

HIDDEN = "(hidden)"
HIDDEN_CHANGED_OLD = "(hidden, old value)"
HIDDEN_CHANGED_NEW = "(hidden, new value)"
SECRET_VALUE_FIELDS = ("data", "stringData")


def _redact_values(old: dict, new: dict) -> tuple[dict, dict]:
    """Same key set, values replaced by markers that only tell whether they changed."""
    old_out, new_out = {}, {}
    for key in old.keys() | new.keys():
        if key in old and key in new:
            same = old[key] == new[key]
            old_out[key] = HIDDEN if same else HIDDEN_CHANGED_OLD
            new_out[key] = HIDDEN if same else HIDDEN_CHANGED_NEW
        elif key in old:
            old_out[key] = HIDDEN
        else:
            new_out[key] = HIDDEN
    return old_out, new_out


# What of a Secret a report may print as it is; every other field's value is hidden like data's.
SECRET_PLAIN_FIELDS = ("apiVersion", "kind", "metadata", "type", "sops")
SECRET_PLAIN_METADATA = ("name", "namespace", "labels")


def _hide_plain_extras(old: dict, new: dict) -> None:
    """Annotations (kubectl's last-applied-configuration holds every value) and unknown fields: keys only."""
    old_meta, new_meta = old.get("metadata"), new.get("metadata")
    old_meta = dict(old_meta) if isinstance(old_meta, dict) else {}
    new_meta = dict(new_meta) if isinstance(new_meta, dict) else {}
    for key in (old_meta.keys() | new_meta.keys()) - set(SECRET_PLAIN_METADATA):
        before, after = old_meta.get(key), new_meta.get(key)
        hidden: tuple[object, object]
        if isinstance(before, dict) or isinstance(after, dict):
            hidden = _redact_values(
                before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
            )
        else:
            same = before == after
            hidden = (HIDDEN if same else HIDDEN_CHANGED_OLD, HIDDEN if same else HIDDEN_CHANGED_NEW)
        for meta, value in ((old_meta, hidden[0]), (new_meta, hidden[1])):
            if key in meta:
                meta[key] = value
    if "metadata" in old:
        old["metadata"] = old_meta
    if "metadata" in new:
        new["metadata"] = new_meta
    for key in (old.keys() | new.keys()) - set(SECRET_PLAIN_FIELDS) - set(SECRET_VALUE_FIELDS):
        same = old.get(key) == new.get(key)
        if key in old:
            old[key] = HIDDEN if same else HIDDEN_CHANGED_OLD
        if key in new:
            new[key] = HIDDEN if same else HIDDEN_CHANGED_NEW


def redact_secret_pair(old: dict, new: dict) -> tuple[dict, dict]:
    """Copies of two versions of a Secret that carry no values, no annotation values and no SOPS metadata."""
    old, new = dict(old), dict(new)
    _hide_plain_extras(old, new)
    for name in SECRET_VALUE_FIELDS:
        if name in old or name in new:
            old_values, new_values = _redact_values(old.get(name) or {}, new.get(name) or {})
            if name in old:
                old[name] = old_values
            if name in new:
                new[name] = new_values
    for side in (old, new):
        if "sops" in side:
            side["sops"] = "(SOPS metadata)"
    return old, new


def _side(value: Any) -> Any:
    return MISSING if value is notpresent else value


def field_changes(old: dict, new: dict) -> list[FieldChange]:
    if old == new:  # most objects of a change: no need for DeepDiff's walk
        return []
    diff = DeepDiff(old, new, view="tree", verbose_level=2)
    changes = []
    for items in diff.values():
        for item in items:
            changes.append(FieldChange(field_path(item.path(output_format="list")), _side(item.t1), _side(item.t2)))
    return sorted(changes, key=lambda c: c.path)
