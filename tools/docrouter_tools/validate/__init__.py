"""`make validate`: offline checks of dist/ and clusters/ that catch what breaks a GitOps deploy.

For every environment it reads dist/<env>/ and clusters/<env>/ and runs, in order:

1. parse/*      every file is small, UTF-8, valid YAML without aliases; every document is an object
                with apiVersion, kind, metadata.name and (when namespaced) a namespace.
2. schema/*     built-in kinds against the Kubernetes OpenAPI schema of the pinned version (strict);
                custom resources against the JSON schemas in $CRD_SCHEMAS (strict at the top level).
3. unique/*     no two objects with the same group/kind/namespace/name in one cluster.
4. ref/*        selectors match pods, Ingress backends, ConfigMaps, Secrets, storage classes, HPA
                targets, ClusterIssuers, kustomization.yaml resources, Flux dependsOn and paths exist.
5. policy/*     Pod Security "restricted", resources, readiness probes, pinned images, maxUnavailable 0
                on multi-replica Deployments, no plain-text Secret data.
6. drift/*      dist/<env>/ equals a fresh synth.

Exemptions: an object may be exempted from one ref/* or policy/* rule with an annotation naming the
rule (its "/" written as "-") and giving a reason, for example

    metadata:
      annotations:
        validate.docrouter.dev/exempt-policy-readiness-probe: "batch consumer, no port to probe"

The finding is then reported with severity "exempt" and the reason, and does not fail the run.
An exemption without a reason is itself an error. Rule ids are listed in rules.py.
"""
