"""Negative controls: the real components refuse what they must, for the reason we expect."""

from __future__ import annotations

import pytest

from cluster.controlplane import REPO
from cluster.environments import CHART_CRDS, Cluster, crd_documents, flux_layers
from cluster.fluxapply import KubectlError
from cluster.test_cluster_install import ENVIRONMENTS, provider_of


def test_a_pod_security_violation_is_refused_by_the_real_admission_plugin(cluster: Cluster) -> None:
    """Negative control for the zero-warning check: the namespaces' PodSecurity labels are enforced."""
    if cluster.installed != "staging":  # the namespace and its labels come with the first layer
        cluster.install("staging", upto="infra-controllers")
    namespace = next(
        o
        for o in cluster.build(REPO / "dist/staging/infrastructure/controllers")
        if o["kind"] == "Namespace" and o["metadata"]["name"] == "doc-router"
    )
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "privileged", "namespace": "doc-router"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.37", "securityContext": {"privileged": True}}]},
    }
    with pytest.raises(KubectlError) as refused:
        cluster.apply([pod])
    assert 'violates PodSecurity "restricted:latest"' in refused.value.stderr
    assert "privileged" in refused.value.stderr


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_layer_applied_before_its_predecessor_fails_for_the_missing_predecessor(cluster: Cluster, env: str) -> None:
    """The first layer that depends on another, applied to a fresh cluster, is refused for naming a
    namespace or a kind that only its predecessor (or the charts it installs) brings."""
    layers = flux_layers(REPO, env)
    by_name = {layer.name: layer for layer in layers}
    dependent = next(layer for layer in layers if layer.depends_on)
    brought: set[str] = set()
    for name in dependent.depends_on:
        for o in cluster.build(by_name[name].directory(REPO)):
            if o["kind"] == "Namespace":
                brought.add(f'namespaces "{o["metadata"]["name"]}" not found')
            if o["kind"] == "HelmRelease" and CHART_CRDS.get(o["spec"]["chart"]["spec"]["chart"]):
                for crd in crd_documents(str(CHART_CRDS[o["spec"]["chart"]["spec"]["chart"]])):
                    brought.add(f'no matches for kind "{crd["spec"]["names"]["kind"]}"')
    cluster.fresh(provider_of(env))
    with pytest.raises(KubectlError) as refused:
        cluster.apply(cluster.build(dependent.directory(REPO)), force=dependent.force)
    assert any(reason in refused.value.stderr for reason in brought), refused.value.stderr
