"""What a running cluster needs from dist/, each rule read from its upstream source (issue 22)."""

from __future__ import annotations

from conftest import ENVIRONMENTS, manifests_for
from docrouter.providers import OWN_STORAGE_CLASS_PREFIX, PROVIDERS


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


def test_every_storage_class_synth_creates_has_a_name_no_provider_ships():
    # StorageClass parameters are immutable (kubernetes.io/docs/concepts/storage/storage-classes), so a
    # class of the same name created earlier by the provider or the cluster's setup would fail our apply.
    for env in ENVIRONMENTS:
        created = [sc["metadata"]["name"] for sc in manifests_for(env).of_kind("StorageClass")]
        shipped = {name for provider in PROVIDERS.values() for name in provider.storage_classes}
        assert all(name.startswith(OWN_STORAGE_CLASS_PREFIX) and name not in shipped for name in created), created
    assert manifests_for("production").env.storage.name == "doc-router-gp3"
