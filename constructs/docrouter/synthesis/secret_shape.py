"""What a committed SOPS Secret file may hold: what sops encrypts, plus the metadata Kubernetes needs.

.sops.yaml encrypts only `data`/`stringData` (`encrypted_regex: ^(data|stringData)$`); every other
field stays plain text in git, in dist/ and in the PR comment. `kubectl get secret -o yaml` exports a
`kubectl.kubernetes.io/last-applied-configuration` annotation holding every value, so a Secret pasted
from a cluster would leak through an annotation. The only plain fields allowed are those a Secret
needs to be applied: apiVersion, kind, metadata.name/namespace/labels, type, and the one annotation our
own tooling writes (Flux must never prune the database's credentials, secrets/init.py). Messages name
the field, never its value.
"""

from __future__ import annotations

from docrouter import constants as c

PLAIN_TOP_LEVEL = ("apiVersion", "kind", "metadata", "type")
ENCRYPTED_TOP_LEVEL = ("data", "stringData")
SOPS_METADATA = "sops"
PLAIN_METADATA = ("name", "namespace", "labels", "annotations")
# annotation → the only value allowed for it
ALLOWED_ANNOTATIONS = dict(c.PRUNE_DISABLED)


def plain_extra_fields(doc: dict) -> list[str]:
    """Paths of fields that sops leaves in plain text and a Secret file must not carry (sorted)."""
    allowed = (*PLAIN_TOP_LEVEL, *ENCRYPTED_TOP_LEVEL, SOPS_METADATA)
    extra = [str(key) for key in doc if key not in allowed]
    meta = doc.get("metadata")
    if not isinstance(meta, dict):
        return sorted(extra + ["metadata"]) if meta is not None else sorted(extra)
    extra += [f"metadata.{key}" for key in meta if key not in PLAIN_METADATA]
    labels = meta.get("labels")
    if labels is not None and not (isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values())):
        extra.append("metadata.labels")
    annotations = meta.get("annotations")
    if annotations is not None:
        if not isinstance(annotations, dict):
            extra.append("metadata.annotations")
        else:
            extra += [
                f"metadata.annotations.{key}"
                for key, value in annotations.items()
                if ALLOWED_ANNOTATIONS.get(key) != value
            ]
    return sorted(extra)


def shape_problem(doc: dict) -> str | None:
    """One sentence naming the plain fields to remove, or None when the file holds only what it may."""
    extra = plain_extra_fields(doc)
    if not extra:
        return None
    return (
        f"carries {', '.join(extra)}, which sops does not encrypt (only data and stringData are), so it would sit "
        "in plain text in git, dist/ and the review"
    )


SHAPE_FIX = (
    "keep only apiVersion, kind, metadata.name/namespace/labels, type and data/stringData "
    "(remove annotations such as kubectl's last-applied-configuration) with `make secrets-edit`"
)
