"""Synthesis: environments → layers → checked, deterministic YAML in dist/<env>/ and clusters/<env>/.

layers (the Flux order, importable without cdk8s), layer_builders (which constructs fill each layer),
synth (render and write atomically), checks / manifest_rules / apirules (the guards: what Kubernetes,
Flux and our own rules refuse), sops_files (the committed encrypted Secrets, copied byte for byte).
"""
