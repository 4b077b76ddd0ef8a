"""Prove the platform's network flows at every stage of a first install, with a real engine.

- flows.py: the flows the platform needs (required) and must never allow (forbidden), one line of why each;
- stages.py: the Flux order read from clusters/<env>/ (dependsOn), stage k = layers 1..k of dist/<env>/;
- runtime.py: the pods a cluster runs that our manifests do not contain (CoreDNS, ingress-nginx,
  cert-manager's solver, the MongoDB operator's pods), read from the pinned upstream versions;
- engine.py: the only module that talks to network-config-analyzer (nca);
- proof.py: every flow at every stage → outcomes (used by the tests, `make validate` and `make diff`).
"""
