"""doc-router platform: cdk8s constructs that synthesize dist/<env>/ for Flux."""
