"""What a running cluster needs from dist/, each rule read from its upstream source (issue 22)."""

from __future__ import annotations

from conftest import manifests_for


def _ingress_service(env: str) -> dict:
    return manifests_for(env).get("HelmRelease", "ingress-nginx")["spec"]["values"]["controller"]["service"]


def test_production_load_balancer_is_internet_facing_under_either_aws_controller():
    # aws-load-balancer-controller docs/guide/service/nlb.md ("secure by default", v2.2.0+): without
    # the scheme annotation the controller provisions an internal NLB, which HTTP-01 cannot reach.
    annotations = _ingress_service("production")["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] == "internet-facing"
    # Instance targets: externalTrafficPolicy Local keeps the client address under both controllers.
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"] == "instance"
    assert _ingress_service("production")["externalTrafficPolicy"] == "Local"
