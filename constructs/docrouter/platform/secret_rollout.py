"""A Secret change rolls the pods that read it.

Kubernetes never restarts a pod when a Secret it reads through `envFrom` changes: the
values are copied into the process at start. So each pod template carries, per Secret it
reads, the SHA-256 of the committed SOPS file (`checksum/secret-<name>`); a committed
change to the file changes the template and the Deployment rolls with its own strategy
(maxUnavailable 0 / maxSurge 1, workload.py). The pre-deploy layer applies the Secret
before the apps layer changes the template (layers.py), so the new pods read the new values.

Why this and not the alternatives (issue 22):
- a kustomize `secretGenerator` that Flux decrypts gives content-hashed Secret names, but
  dist/ would stop being the plain objects that validate, diff and the flow proof read, and
  every reference would point at a name only kustomize knows;
- Stakater Reloader is one more controller with cluster-wide read on Secrets, rolling pods
  at a time nobody reviewed.
The hash is of the ciphertext (synth never holds a key), so a re-encryption without a value
change (`sops updatekeys`, a key rotation) also rolls: harmless, it restarts pods with the
same values, and `make diff` shows it like any other rollout.

An environment without a committed file (Kind: `make kind-secrets` writes the Secret from
.env.kind) gets no annotation.
"""

from __future__ import annotations

import hashlib

from docrouter.paths import SECRETS_DIR
from docrouter.paths import SOPS_SUFFIX as SUFFIX

ANNOTATION_PREFIX = "checksum/secret-"


def secret_checksums(env_name: str, namespace: str, secret_names: tuple[str, ...]) -> dict[str, str]:
    """Pod-template annotations: one digest per committed SOPS file of the Secrets a pod reads."""
    annotations = {}
    for name in sorted(secret_names):
        source = SECRETS_DIR / env_name / namespace / f"{name}{SUFFIX}"
        if source.is_file():
            annotations[f"{ANNOTATION_PREFIX}{name}"] = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return annotations
