"""Every object goes through a typed class, and a typo fails at synth naming the field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cdk8s import ApiObject, App, Chart
from cdk8s_plus_33 import k8s

from conftest import ENVIRONMENTS
from docrouter.config import load_environment
from docrouter.platform.flux import cluster_objects
from docrouter.platform.k8s import api_object
from docrouter.platform.typed import CUSTOM_KINDS, CustomResource, l1_class, typed_object
from docrouter.synthesis.layer_builders import BUILDERS
from docrouter.synthesis.layers import LAYERS
from test_bad_input import fresh_copy, run_main, snapshot

WORKLOAD = "constructs/docrouter/platform/workload.py"


def chart() -> Chart:
    return Chart(App(), "test", disable_resource_name_hashes=True)


def deployment(**spec_changes) -> dict:
    spec = {
        "selector": {"matchLabels": {"app": "x"}},
        "template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "x", "image": "x:1"}]}},
        **spec_changes,
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "namespace": "ns"}, "spec": spec}


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_every_object_is_built_by_a_typed_class(env_name):
    env = load_environment(env_name)
    app = App()
    for layer in LAYERS:
        BUILDERS[layer.name](Chart(app, layer.name, disable_resource_name_hashes=True), env)
    objects = [o for o in app.node.find_all() if isinstance(o, ApiObject)]
    assert objects
    untyped = [
        o.node.path
        for o in objects
        if not isinstance(o, CustomResource) and type(o) is not l1_class(o.api_version, o.kind)
    ]
    assert untyped == []


def test_misspelt_field_names_the_field_and_the_object():
    with pytest.raises(ValueError, match=r"Deployment ns/x: unknown field 'spec.revisionHistoryLimt'"):
        typed_object(chart(), "d", deployment(revisionHistoryLimt=5))


def test_misspelt_nested_field_names_its_path():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(ValueError, match=r"unknown field 'spec.template.spec.containers\[0\].imagePullPolicyy'"):
        typed_object(chart(), "d", obj)


def test_wrong_type_names_the_field():
    with pytest.raises(ValueError, match=r"Deployment ns/x: field spec: .*revision_history_limit.*got str"):
        typed_object(chart(), "d", deployment(revisionHistoryLimit="5"))


def test_int_or_string_and_quantities_render_as_written():
    obj = api_object(
        chart(),
        k8s.KubeService,
        name="s",
        namespace="ns",
        body={
            "spec": {"ports": [{"name": "http", "port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8081}]}
        },
    )
    assert obj.to_json()["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http"},
        {"port": 81, "targetPort": 8081},
    ]


def test_unknown_kind_is_refused():
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}
    with pytest.raises(ValueError, match="no typed class for Widget"):
        typed_object(chart(), "w", obj)


def test_every_custom_kind_has_a_crd_schema():
    folder = Path(os.environ.get("CRD_SCHEMAS", ".cache/crd-schemas"))
    if not folder.is_dir():
        pytest.skip(f"CRD_SCHEMAS folder {folder} not found (run `make crd-schemas`)")
    for api_version, kind in CUSTOM_KINDS:
        group, _, version = api_version.partition("/")
        assert (folder / group / f"{kind.lower()}_{version}.json").is_file(), (api_version, kind)


def test_misspelt_custom_resource_field_fails_against_its_crd_schema():
    if not Path(os.environ.get("CRD_SCHEMAS", "")).is_dir():
        pytest.skip("CRD_SCHEMAS is not a folder: custom resources cannot be schema-checked here")
    obj = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "spec": {"interval": "10m", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "s"}, "prunee": 1},
    }
    with pytest.raises(ValueError, match=r"Kustomization flux-system/apps: field spec: .*'prunee'"):
        typed_object(chart(), "k", obj)


def test_flux_objects_go_through_the_typed_path(monkeypatch):
    env = load_environment("kind")
    monkeypatch.setattr(
        "docrouter.platform.flux.kind_source",
        lambda: {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "OCIRepository",
            "metadata": {"name": "s", "namespace": "flux-system"},
            "spec": {"interval": 60, "url": "oci://r/s"},
        },
    )
    with pytest.raises(ValueError, match="OCIRepository flux-system/s: field spec.interval"):
        cluster_objects(env, ["apps"])


@pytest.mark.parametrize(
    "original, typo, words",
    [
        ('spec["revisionHistoryLimit"] = 5', 'spec["revisionHistoryLimt"] = 5', ["'spec.revisionHistoryLimt'"]),
        ('spec["revisionHistoryLimit"] = 5', 'spec["revisionHistoryLimit"] = "5"', ["revision_history_limit"]),
    ],
)
def test_a_typo_in_a_construct_fails_synth_and_leaves_dist_untouched(tmp_path, original, typo, words):
    root = fresh_copy(tmp_path)
    source = root / WORKLOAD
    assert original in source.read_text()
    source.write_text(source.read_text().replace(original, typo))
    before = snapshot(root / "dist")
    result = run_main(root, "synth")
    assert result.returncode == 1
    assert "environment '" in result.stderr and "Deployment doc-router/" in result.stderr
    assert all(word in result.stderr for word in words), result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr) < 2000
    assert snapshot(root / "dist") == before


def test_fields_with_acronyms_keep_their_kubernetes_spelling():
    obj = api_object(
        chart(),
        k8s.KubeService,
        name="s",
        namespace="ns",
        body={"spec": {"clusterIP": "None", "ports": [{"port": 80}]}},
    )
    assert obj.to_json()["spec"]["clusterIP"] == "None"
