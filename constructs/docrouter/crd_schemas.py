"""Where the custom resources' JSON schemas are read from, and how one is loaded.

The folder holds `{group}/{kind}_{version}.json` (the layout of the team's shared catalog);
`CRD_SCHEMAS` points at it (CI: ../shared/schemas), else `make crd-schemas` fills the default.
Used by synth (typed custom resources) and by `make validate`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

CRD_SCHEMAS_VARIABLE = "CRD_SCHEMAS"
DEFAULT_FOLDER = ".cache/crd-schemas"


def crd_schema_folder() -> Path:
    return Path(os.environ.get(CRD_SCHEMAS_VARIABLE) or DEFAULT_FOLDER)


def load_crd_schema(folder: Path, group: str, kind: str, version: str) -> dict[str, Any] | None:
    """The kind's schema, strict at the top level too (a typo there is an error); None when absent.

    A fresh copy on every call: callers set `metadata` to their own ObjectMeta schema.
    """
    path = folder / group / f"{kind.lower()}_{version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema.setdefault("additionalProperties", False)
    schema.setdefault("properties", {})
    return schema
