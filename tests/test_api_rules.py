"""The API server's own rules (apirules.py) refuse bad values at synth: one test per rule, each with
a real violating configuration (or a rendered object the constructs could produce)."""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import manifests_for, refused_environment
from docrouter.config import load_environment
from docrouter.synthesis.checks import SynthError
from docrouter.synthesis.manifest_rules import object_problems
from docrouter.synthesis.synth import render

refused = refused_environment


def set_in(path: str, value):
    def change(data):
        *parents, leaf = path.split(".")
        for part in parents:
            data = data[part]
        data[leaf] = value

    return change


@pytest.mark.parametrize(
    "env, field, value, words",
    [
        # ValidateResourceRequirements: quantities compared as quantities, not as text.
        ("staging", "frontend.resources.requests.cpu", "1500m", "request 1500m is above the limit 500m"),
        ("production", "backend.resources.requests.memory", "2Gi", "request 2Gi is above the limit 1536Mi"),
        ("production", "mongodb.search_resources.requests.memory", "3Gi", "above the limit 2Gi"),
        ("kind", "worker.resources.limits.cpu", "-1", "is negative"),
        # apimachinery's quantity grammar: no "GB", no spaces.
        ("kind", "worker.resources.limits.memory", "1GB", "not a Kubernetes quantity"),
        # ValidatePersistentVolumeClaimSpec: storage must be greater than zero.
        ("staging", "mongodb.storage_size", "0Gi", "must be greater than zero"),
        ("staging", "mongodb.search_storage_size", "0", "must be greater than zero"),
        # IsValidLabelValue: the image tag is the pods' app.kubernetes.io/version label.
        # The release tag is the pods' app.kubernetes.io/version label: 63 characters at most.
        ("kind", "frontend.image_tag", "v1.0." + "1" * 70, "at most 63"),
        # Job names become pod labels (job-name), so 63 characters at most.
        ("kind", "backend.image_tag", "v1.0." + "1" * 52, "migration Job name"),
        # IsDNS1123Subdomain: 253 characters at most.
        ("staging", "ingress.host", ".".join(["a" * 60] * 5), "at most 253"),
        # validateIngressRules: a host is a DNS name, never an IP address.
        ("staging", "ingress.host", "10.0.0.1", "is an IP address"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_environment_field_the_api_server_refuses(env_dir, env, field, value, words):
    message = refused(env_dir, env, set_in(field, value))
    assert f"environment '{env}'" in message and f"field '{field}'" in message and "Fix:" in message
    assert words in message


def test_equal_quantities_in_other_units_are_fine(env_dir):
    path = env_dir / "production.yaml"
    data = yaml.safe_load(path.read_text())
    data["backend"]["resources"] = {
        "requests": {"cpu": "1000m", "memory": "1536Mi"},
        "limits": {"cpu": "1", "memory": "1.5Gi"},
    }
    path.write_text(yaml.safe_dump(data))
    assert load_environment("production", env_dir).backend.resources.limits.memory == "1.5Gi"


def test_the_committed_environments_break_no_rule():
    for name in ("kind", "staging", "production"):
        assert object_problems(manifests_for(name).objects) == []


def rendered(name: str, kind: str, object_name: str) -> tuple[list[dict], dict]:
    objects = copy.deepcopy(manifests_for(name).objects)
    target = next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == object_name)
    return objects, target


def problems_after(name: str, kind: str, object_name: str, change) -> list[str]:
    objects, target = rendered(name, kind, object_name)
    change(target)
    return [str(p) for p in object_problems(objects)]


def test_service_port_out_of_range_is_refused():
    (problem,) = problems_after("kind", "Service", "backend", lambda s: s["spec"]["ports"][0].update(port=70000))
    assert problem.startswith("Service doc-router/backend: port: port 70000 is outside 1-65535")


def test_container_port_out_of_range_is_refused():
    def change(deployment):
        deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 0

    (problem,) = problems_after("kind", "Deployment", "frontend", change)
    assert "port 0 is outside 1-65535" in problem


@pytest.mark.parametrize(
    "kind, name, bad_name, words",
    [
        ("Service", "backend", "9backend", "not a DNS-1035 label"),
        ("ConfigMap", "doc-router-config", "Doc_Router", "not a DNS-1123 subdomain"),
    ],
)
def test_object_names_follow_their_kind_rule(kind, name, bad_name, words):
    problems = problems_after("kind", kind, name, lambda o: o["metadata"].update(name=bad_name))
    assert any(words in p for p in problems), problems


def test_label_value_too_long_is_refused():
    problems = problems_after(
        "kind", "Deployment", "worker", lambda d: d["metadata"]["labels"].update({"team": "x" * 64})
    )
    assert any("label team=" in p and "at most 63" in p for p in problems), problems


def test_hpa_bounds_must_be_consistent():
    problems = problems_after(
        "production", "HorizontalPodAutoscaler", "backend", lambda h: h["spec"].update(minReplicas=0, maxReplicas=-1)
    )
    assert any("minReplicas 0 must be at least 1" in p for p in problems)
    assert any("maxReplicas -1 is below minReplicas 0" in p for p in problems)
    assert any("maxReplicas -1 must be greater than 0" in p for p in problems)
    problems = problems_after(
        "production",
        "HorizontalPodAutoscaler",
        "backend",
        lambda h: h["spec"]["metrics"][0]["resource"]["target"].update(averageUtilization=0),
    )
    assert problems == [
        "HorizontalPodAutoscaler doc-router/backend: averageUtilization 0 must be greater than 0. "
        "Fix: set the utilization target to a positive percentage"
    ]


def test_pdb_min_available_must_stay_below_replicas():
    def min_available(value):
        return lambda pdb: pdb["spec"].pop("maxUnavailable") and pdb["spec"].update(minAvailable=value)

    (problem,) = problems_after("production", "PodDisruptionBudget", "frontend", min_available(2))
    assert "minAvailable 2 is not below the 2 replicas of Deployment doc-router/frontend" in problem
    # HPA-managed: the HPA's minReplicas (2) counts.
    (problem,) = problems_after("production", "PodDisruptionBudget", "backend", min_available(2))
    assert "of Deployment doc-router/backend" in problem
    assert problems_after("production", "PodDisruptionBudget", "frontend", min_available(1)) == []


def test_resources_in_a_rendered_pod_are_checked_too():
    def change(job):
        job["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] = "4Gi"

    objects, job = rendered("kind", "Job", "migrate-v43-0-0")
    change(job)
    (problem,) = object_problems(objects)
    assert "Job doc-router/migrate-v43-0-0" in str(problem) and "above the limit 1Gi" in str(problem)


# --- whole synth runs with a real violating config ---------------------------------------


def synth_error(name: str, **update) -> str:
    env = load_environment(name)
    with pytest.raises(SynthError) as caught:
        render(env.model_copy(update=update))
    return str(caught.value)


def test_config_map_over_one_mebibyte_is_refused():
    origins = [f"https://tenant-{i:05d}.customers.example.com" for i in range(25_000)]
    message = synth_error("kind", cors_origins_extra=origins)
    assert "ConfigMap doc-router/doc-router-config: data is" in message and "1 MiB" in message
    assert len(message) < 1000


def test_storage_class_rules_are_enforced():
    env = load_environment("production")  # the environment that defines its StorageClass
    bad_provisioner = env.storage.model_copy(update={"provisioner": "dobs csi digitalocean"})
    too_many = env.storage.model_copy(update={"parameters": {f"p{i}": "v" for i in range(513)}})
    for storage, words in ((bad_provisioner, "provisioner"), (too_many, "513 parameters")):
        with pytest.raises(SynthError, match=words):
            render(env.model_copy(update={"storage": storage}))


def test_a_construct_refusing_a_value_is_one_synth_error_not_a_traceback():
    env = load_environment("production")
    storage = env.storage.model_copy(update={"name": "a" * 70})
    with pytest.raises(
        SynthError, match="environment 'production': layer 'infrastructure/controllers': StorageClass name"
    ):
        render(env.model_copy(update={"storage": storage}))


def test_rules_follow_the_kind_and_field_not_one_pattern_for_all():
    from docrouter.apirules import name_problem, port_problem

    assert name_problem("ClusterRole", "system:controller:flux") is None  # RBAC names are path segments
    assert name_problem("ClusterRole", "a/b") is not None
    assert name_problem("StorageClass", "a" * 253) is None and name_problem("StorageClass", "a" * 254) is not None
    assert name_problem("Namespace", "a.b") is not None  # a label, not a subdomain
    assert port_problem(0, unset_allowed=True) is None and port_problem(0) is not None
