"""Every object goes through a typed class, and a typo fails synth naming the environment and the field.

The schema check is the real one (Kubernetes' OpenAPI for the environment's version, the vendors'
CRDs): these tests feed it objects the API server would refuse and objects it accepts.
"""

from __future__ import annotations

import pytest
import yaml
from cdk8s import ApiObject, App, Chart, JsonPatch

from conftest import ENVIRONMENTS
from docrouter.config import load_environment
from docrouter.layers import LAYERS
from docrouter.platform import api_objects
from docrouter.platform.api_objects import KINDS, chart_objects, check_schema, typed_object
from docrouter.platform.building_blocks import api_object, labels
from docrouter.synthesis.checks import SynthError
from docrouter.synthesis.layer_builders import CHARTS
from docrouter.synthesis.synth import build_layers, render_clusters, to_yaml
from test_bad_input import fresh_copy, run_main, snapshot

WORKLOAD = "constructs/docrouter/platform/workload.py"
VERSION = "1.37"


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
def test_every_object_is_built_by_the_typed_class_of_its_kind(env_name):
    env = load_environment(env_name)
    app = App()
    for layer in LAYERS:
        CHARTS[layer.name](app, env)
    objects = [o for o in app.node.find_all() if isinstance(o, ApiObject)]
    assert objects
    untyped = [o.node.path for o in objects if type(o) is not KINDS.get((o.api_version, o.kind))]
    assert untyped == []


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_cdk8s_own_synth_renders_the_same_objects_as_make_synth(env_name):
    """KubeObject overrides to_json the way cdk8s' generated classes override toJson: cdk8s' own
    App.synth_yaml() (Node calling back into Python) must give exactly the objects synth writes."""
    env = load_environment(env_name)
    app = App()
    for layer in LAYERS:
        CHARTS[layer.name](app, env)
    by_cdk8s = [doc for doc in yaml.safe_load_all(app.synth_yaml()) if doc]
    by_synth = [obj for objects in build_layers(env).values() for obj in objects]
    assert len(by_cdk8s) == len(by_synth)
    assert sorted(by_cdk8s, key=identity) == sorted(by_synth, key=identity)


def identity(obj: dict) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def test_a_valid_object_passes_and_renders_as_written():
    obj = api_object(
        chart(),
        api_objects.Service,
        name="s",
        namespace="ns",
        body={
            "spec": {
                "clusterIP": "None",  # an acronym keeps Kubernetes' spelling
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8081}],
            }
        },
    )
    check_schema(obj.to_json(), VERSION)
    assert obj.to_json()["spec"] == {
        "clusterIP": "None",
        "ports": [{"name": "http", "port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8081}],
    }


def test_misspelt_field_names_the_field_and_the_object():
    with pytest.raises(
        ValueError, match=r"Deployment ns/x: unknown field 'spec.revisionHistoryLimt'.*fix the spelling"
    ):
        check_schema(deployment(revisionHistoryLimt=5), VERSION)


def test_misspelt_nested_field_names_its_path_and_the_valid_names():
    obj = deployment()
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(ValueError) as caught:
        check_schema(obj, VERSION)
    assert "unknown field 'spec.template.spec.containers[0].imagePullPolicyy'" in str(caught.value)
    assert "imagePullPolicy, lifecycle" in str(caught.value)  # the fields a container does have


def test_wrong_type_names_the_field():
    with pytest.raises(ValueError, match=r"Deployment ns/x: field spec.revisionHistoryLimit: '5' is not of type"):
        check_schema(deployment(revisionHistoryLimit="5"), VERSION)


def test_missing_required_field_is_refused():
    obj = deployment()
    del obj["spec"]["template"]["spec"]["containers"][0]["name"]
    with pytest.raises(ValueError, match=r"containers\[0\]: 'name' is a required property"):
        check_schema(obj, VERSION)


def test_an_object_that_passed_once_is_still_refused_when_a_field_changes():
    """Passing objects are remembered (environments share most of theirs), by their full content."""
    check_schema(deployment(revisionHistoryLimit=5), VERSION)
    check_schema(deployment(revisionHistoryLimit=5), VERSION)
    with pytest.raises(ValueError, match="revisionHistoryLimit"):
        check_schema(deployment(revisionHistoryLimit="5"), VERSION)
    with pytest.raises(ValueError, match="kubernetes_version 1.2 is older than any schema"):
        check_schema(deployment(revisionHistoryLimit=5), "1.2")


def test_the_environments_kubernetes_version_decides_which_kinds_exist():
    hpa = {
        "apiVersion": "autoscaling/v2beta2",  # removed in Kubernetes 1.26
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "x", "namespace": "ns"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 2},
    }
    check_schema(hpa, "1.25")
    with pytest.raises(ValueError, match="Kubernetes 1.37 has no HorizontalPodAutoscaler in autoscaling/v2beta2"):
        check_schema(hpa, VERSION)


def test_unknown_kind_is_refused():
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}
    with pytest.raises(ValueError, match="no typed class for Widget"):
        typed_object(chart(), "w", obj)


@pytest.mark.parametrize("value, words", [({"x"}, "set"), (float("nan"), "Out of range float")])
def test_a_value_json_cannot_hold_is_one_error_naming_the_object(value, words):
    with pytest.raises(ValueError, match=rf"ConfigMap ns/c: .*{words}.*write the value as"):
        api_object(chart(), api_objects.ConfigMap, name="c", namespace="ns", body={"data": {"a": value}})


def test_a_charts_namespace_and_labels_reach_its_objects_and_the_objects_own_win():
    """The cdk8s contract (cdk8s-core src/api-object.ts): chart labels and namespace are merged in."""
    scope = Chart(App(), "c", namespace="from-chart", labels={"team": "chart", "tier": "chart"})
    obj = api_object(scope, api_objects.ConfigMap, name="c", labels={"tier": "own"}, body={"data": {"a": "1"}})
    expected = {"name": "c", "namespace": "from-chart", "labels": {"team": "chart", "tier": "own"}}
    assert obj.to_json()["metadata"] == expected
    named = api_object(scope, api_objects.ConfigMap, name="d", namespace="own", body={})
    assert named.to_json()["metadata"]["namespace"] == "own"


def test_added_labels_and_json_patches_reach_the_rendered_object():
    obj = api_object(chart(), api_objects.Deployment, name="x", namespace="ns", body={"spec": {"replicas": 1}})
    obj.metadata.add_label("added", "yes")
    obj.metadata.add_annotation("note", "kept")
    obj.add_json_patch(JsonPatch.replace("/spec/replicas", 3), JsonPatch.add("/spec/paused", True))
    rendered = obj.to_json()
    assert rendered["metadata"]["labels"] == {"added": "yes"}
    assert rendered["metadata"]["annotations"] == {"note": "kept"}
    assert rendered["spec"] == {"replicas": 3, "paused": True}
    assert list(rendered)[:3] == ["apiVersion", "kind", "metadata"]


def test_a_layers_chart_gives_its_objects_its_namespace_and_the_part_of_label():
    env = load_environment("staging")
    for layer in LAYERS:
        chart = CHARTS[layer.name](App(), env)
        for obj in (o.to_json() for o in chart.node.find_all() if isinstance(o, ApiObject)):
            if chart.namespace:
                assert obj["metadata"].get("namespace") == chart.namespace, (layer.name, identity(obj))
            for key, value in (chart.labels or {}).items():
                assert obj["metadata"]["labels"][key] == value, (layer.name, identity(obj))


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_rendering_a_chart_without_round_trips_equals_cdk8s_own_to_json(env_name):
    """chart_objects computes the metadata cdk8s would return (no Node round trip); cdk8s is the reference."""
    env = load_environment(env_name)
    for layer in LAYERS:
        chart = CHARTS[layer.name](App(), env)
        fast = chart_objects(chart)
        assert fast == [o.to_json() for o in chart.node.find_all() if isinstance(o, ApiObject)], layer.name
        assert [list(o["metadata"]) for o in fast] == [list(o.to_json()["metadata"]) for o in _objects(chart)]


def _objects(chart: Chart) -> list[ApiObject]:
    return [o for o in chart.node.find_all() if isinstance(o, ApiObject)]


def test_the_round_trip_free_metadata_orders_and_drops_keys_as_cdk8s_does():
    scope = Chart(App(), "c", namespace="from-chart", labels={"b": "chart", "10": "x", "9": "y", "a": "chart"})
    api_object(scope, api_objects.ConfigMap, name="c", labels={"b": "own", "Z": "1"}, body={"data": {"k": "v"}})
    api_object(scope, api_objects.ConfigMap, name="d", namespace="own", annotations={"y": "1", "x": ""}, body={})
    bare = Chart(App(), "bare")
    api_object(bare, api_objects.ConfigMap, name="e", body={})
    for chart in (scope, bare):
        fast, engine = chart_objects(chart), [o.to_json() for o in _objects(chart)]
        assert fast == engine
        assert [list(o["metadata"].get("labels", {})) for o in fast] == [
            list(o["metadata"].get("labels", {})) for o in engine
        ]


def test_metadata_changed_through_cdk8s_is_rendered_by_cdk8s():
    scope = Chart(App(), "c", labels={"team": "chart"})
    obj = api_object(scope, api_objects.ConfigMap, name="c", namespace="ns", body={})
    obj.metadata.add_label("added", "yes")
    assert chart_objects(scope)[0]["metadata"]["labels"] == {"added": "yes", "team": "chart"}


def test_every_to_json_is_a_fresh_copy():
    obj = api_object(chart(), api_objects.ConfigMap, name="c", namespace="ns", body={"data": {"a": "1"}})
    obj.to_json()["data"]["a"] = "changed"
    assert obj.to_json()["data"] == {"a": "1"}


def test_a_dict_shared_by_two_objects_prints_no_yaml_anchors():
    shared = labels("web", "frontend")
    scope = chart()
    first = api_object(scope, api_objects.ConfigMap, name="a", namespace="ns", labels=shared, body={"data": {"k": "v"}})
    second = api_object(
        scope, api_objects.ConfigMap, name="b", namespace="ns", labels=shared, body={"data": {"k": "v"}}
    )
    text = to_yaml([first.to_json(), second.to_json()])
    assert "&id" not in text and "*id" not in text


def test_every_custom_kind_has_a_crd_schema(crd_schemas):
    folder = crd_schemas
    custom = [cls for cls in KINDS.values() if "." in cls.API_VERSION.partition("/")[0]]
    custom = [cls for cls in custom if not cls.API_VERSION.partition("/")[0].endswith(".k8s.io")]
    assert {cls.KIND for cls in custom} >= {"HelmRelease", "Kustomization", "MongoDBCommunity", "MongoDBSearch"}
    for cls in custom:
        group, _, version = cls.API_VERSION.partition("/")
        assert (folder / group / f"{cls.KIND.lower()}_{version}.json").is_file(), (cls.API_VERSION, cls.KIND)


def test_every_builtin_kind_exists_in_kubernetes_1_33():
    for cls in KINDS.values():
        group = cls.API_VERSION.partition("/")[0] if "/" in cls.API_VERSION else ""
        if "." not in group or group.endswith(".k8s.io"):
            obj = {"apiVersion": cls.API_VERSION, "kind": cls.KIND, "metadata": {"name": "x"}}
            try:
                check_schema(obj, VERSION)
            except ValueError as exc:  # a missing required field is fine here; an unknown kind is not
                assert "has no" not in str(exc), exc


def test_misspelt_custom_resource_field_fails_against_its_crd_schema(crd_schemas):
    obj = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "spec": {"interval": "10m", "prune": True, "sourceRef": {"kind": "GitRepository", "name": "s"}, "prunee": 1},
    }
    with pytest.raises(ValueError, match=r"Kustomization flux-system/apps: unknown field 'spec.prunee'"):
        check_schema(obj, VERSION)


def test_flux_objects_in_clusters_are_checked_too(monkeypatch, crd_schemas):
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
    with pytest.raises(SynthError, match=r"environment 'kind': clusters/kind: OCIRepository flux-system/s: field spec"):
        render_clusters(env, {"apps/kustomization.yaml": ""})


@pytest.mark.parametrize(
    "original, typo, words",
    [
        ('spec["revisionHistoryLimit"] = 5', 'spec["revisionHistoryLimt"] = 5', ["'spec.revisionHistoryLimt'"]),
        ('spec["revisionHistoryLimit"] = 5', 'spec["revisionHistoryLimit"] = "5"', ["spec.revisionHistoryLimit"]),
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


def test_chart_labels_and_json_patches_reach_what_synth_writes(monkeypatch):
    """Through build_layers, as make synth renders: nothing of cdk8s' object contract is dropped."""
    from docrouter.synthesis import layer_builders

    original = layer_builders.AppsChart.build

    def build(self, env):
        original(self, env)
        ingress = next(o for o in self.node.find_all() if isinstance(o, api_objects.Ingress))
        ingress.add_json_patch(JsonPatch.add("/metadata/annotations/patched", "yes"))
        ingress.metadata.add_label("added", "yes")

    monkeypatch.setattr(layer_builders.AppsChart, "LABELS", {**layer_builders.AppsChart.LABELS, "team": "docs"})
    monkeypatch.setattr(layer_builders.AppsChart, "build", build)
    apps = build_layers(load_environment("kind"))["apps"]
    assert all(o["metadata"]["labels"]["team"] == "docs" for o in apps)
    ingress = next(o for o in apps if o["kind"] == "Ingress")
    assert ingress["metadata"]["labels"]["added"] == "yes"
    assert ingress["metadata"]["annotations"]["patched"] == "yes"
