"""Every rule id `make validate` reports, with what it means. Ids are stable: tests and exemptions use them."""

from __future__ import annotations

RULES: dict[str, str] = {
    "config/invalid": "the environment file itself is refused (synth would stop on it)",
    "env/orphaned": "dist/<env>/ or clusters/<env>/ without an environment file (Flux applies it, nothing updates it)",
    "parse/unreadable": "the file could not be read",
    "parse/too-large": "the file exceeds the size cap",
    "parse/binary": "the file holds binary data",
    "parse/encoding": "the file is not UTF-8",
    "parse/invalid-yaml": "the file is not valid YAML",
    "parse/yaml-alias": "the file uses YAML anchors/aliases (rejected: they can expand exponentially)",
    "parse/duplicate-key": "a mapping repeats a key (the later value would silently win)",
    "parse/empty-document": "an empty YAML document (ignored by Flux)",
    "parse/not-an-object": "a document is not a mapping",
    "parse/list-kind": "a `kind: List` document",
    "parse/missing-field": "apiVersion, kind or metadata.name is missing",
    "parse/missing-namespace": "a namespaced object has no namespace",
    "parse/not-yaml": "a file without a .yaml/.yml extension where manifests live",
    "parse/symlink": "a symbolic link (never followed: it could point outside the repository)",
    "schema/unknown-field": "a field the schema does not define",
    "schema/invalid": "a value the schema rejects",
    "schema/no-schema": "no schema for this apiVersion/kind",
    "schema/crd-skipped": "no CRD schemas (error), or CRD_SCHEMAS=skip (warning): custom resources not checked",
    "unique/duplicate": "two objects with the same group/kind/namespace/name",
    "ref/service-selector": "a Service selector matches no pod template",
    "ref/ingress-backend": "an Ingress backend names a missing Service or port",
    "ref/configmap": "a referenced ConfigMap (or key) does not exist",
    "ref/secret": "a referenced Secret is neither a SOPS file nor declared external",
    "ref/storage-class": "a storage class is neither defined nor a provider default",
    "ref/pdb-selector": "a PodDisruptionBudget selector matches no pod template",
    "ref/networkpolicy-selector": "a NetworkPolicy podSelector matches no pod template",
    "ref/hpa-target": "a HorizontalPodAutoscaler targets a missing workload",
    "ref/cluster-issuer": "an Ingress or a Certificate names a missing (Cluster)Issuer",
    "ref/kustomize-resource": "a kustomization.yaml lists a missing file",
    "ref/kustomize-unlisted": "a manifest no kustomization.yaml lists (Flux would not apply it)",
    "ref/flux-depends-on": "a Flux dependsOn names a missing Kustomization, or the chain has a cycle",
    "ref/flux-path": "a Flux Kustomization path does not exist",
    "policy/pod-security": "the pod does not meet Pod Security 'restricted'",
    "policy/resources": "a container lacks cpu/memory requests or limits",
    "policy/readiness-probe": "a long-running container has no readiness probe",
    "policy/image-tag": "an image is not pinned (no tag, or latest)",
    "policy/max-unavailable": "a multi-replica Deployment may take pods down during a rollout",
    "policy/plain-secret": "a Secret holds plain-text data (not SOPS-encrypted)",
    "policy/exemption": "an exemption annotation without a reason, or naming an unknown rule",
    "netpol/flow": "a required network flow is denied, or a forbidden one allowed, at some Flux stage",
    "sops/missing-secret": "a Secret the environment reads is not committed"
    " (error once .sops.yaml has real recipients)",
    "sops/recipients": "a SOPS Secret is not encrypted for exactly the age recipients .sops.yaml names",
    "lifecycle/kubernetes-support": "the Kubernetes version is within 60 days of, or past, its end of standard support",
    "sops/placeholder": "a value a person must supply is missing, or still the CHANGE-ME `make secrets-init` wrote",
    "sops/plain-field": "a SOPS Secret carries a field sops leaves in plain text (an annotation, say)",
    "sops/mac-mismatch": "a SOPS file's MAC does not match (edited without sops): sops and Flux refuse it",
    "sops/mac-unverified": "SOPS MACs were not verified: no age key here (info)",
    "sops/not-sops-file": "a file under secrets/<env>/ that is not a *.sops.yaml (a decrypted copy, say)",
    "drift/added": "a file in dist/ or clusters/ that synth does not produce (hand-added)",
    "drift/removed": "a file synth produces that is missing from dist/ or clusters/",
    "drift/changed": "a file in dist/ or clusters/ that differs from a fresh synth (hand-edited)",
    "drift/synth-failed": "synth itself failed, so drift could not be checked",
    "internal/check-failed": "a check could not finish on this input (reported instead of crashing)",
}

# Only these families may be exempted: parse, schema, uniqueness and drift errors always break a deploy.
EXEMPTIBLE_PREFIXES = ("ref/", "policy/")
EXEMPTION_PREFIX = "validate.docrouter.dev/exempt-"


def exemption_annotation(rule: str) -> str:
    """`policy/image-tag` → `validate.docrouter.dev/exempt-policy-image-tag`."""
    return EXEMPTION_PREFIX + rule.replace("/", "-")
