"""Every object is valid: built-in kinds against the Kubernetes OpenAPI schema of the
version the environment pins (strict), custom resources against CRD_SCHEMAS."""

from __future__ import annotations

import json
import shutil
import subprocess
from itertools import pairwise

import jsonschema
import kubernetes_validate
import pytest

from conftest import ENVIRONMENTS, REPO, manifests_for


def is_custom(obj: dict) -> bool:
    group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
    return "." in group and not group.endswith(".k8s.io")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_builtin_kinds_match_the_pinned_kubernetes_schema(env):
    m = manifests_for(env)
    version = f"{m.env.kubernetes_version}.0"
    builtin = [o for o in m.objects if not is_custom(o)]
    assert builtin
    for obj in builtin:
        # What reaches the API server: Flux decrypts SOPS files and drops their `sops` metadata.
        applied = {k: v for k, v in obj.items() if k != "sops"}
        try:
            kubernetes_validate.validate(applied, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{obj['kind']} {obj['metadata']['name']}: {exc.message} at {list(exc.path)}")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_custom_resources_match_their_crd_schemas(env, crd_schemas):
    schemas = crd_schemas
    m = manifests_for(env)
    custom = [o for o in m.objects if is_custom(o)] + m.flux
    expected = {"HelmRelease", "HelmRepository", "Kustomization"} | ({"ClusterIssuer"} if m.env.tls else set())
    if m.env.in_cluster_mongodb:
        expected |= {"MongoDBCommunity", "MongoDBSearch"}
    assert {o["kind"] for o in custom} >= expected
    for obj in custom:
        group, version = obj["apiVersion"].split("/")
        path = schemas / group / f"{obj['kind'].lower()}_{version}.json"
        assert path.is_file(), f"no schema for {obj['apiVersion']} {obj['kind']} at {path}"
        schema = json.loads(path.read_text())
        errors = list(jsonschema.Draft7Validator(schema).iter_errors(obj))
        assert not errors, f"{obj['kind']} {obj['metadata']['name']}: " + "; ".join(e.message for e in errors)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_dist_folder_builds_with_kubectl_kustomize(env):
    if not shutil.which("kubectl"):
        pytest.skip("kubectl not on PATH")
    layers = sorted(p.parent for p in (REPO / "dist" / env).rglob("kustomization.yaml"))
    assert len(layers) >= 4
    for folder in layers:
        result = subprocess.run(["kubectl", "kustomize", str(folder)], capture_output=True, text=True)
        assert result.returncode == 0, f"{folder}: {result.stderr}"
        listed = len([line for line in result.stdout.splitlines() if line.startswith("kind: ")])
        assert listed == len(list(folder.rglob("*.yaml"))) - 1, folder


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_flux_kustomizations_point_at_existing_paths_in_order(env):
    m = manifests_for(env)
    by_parent = {
        (o["spec"].get("dependsOn") or [{"name": None}])[0]["name"]: o for o in m.flux if o["kind"] == "Kustomization"
    }
    kustomizations, parent = [], None  # follow the dependsOn chain from its root
    while parent in by_parent:
        kustomizations.append(by_parent[parent])
        parent = kustomizations[-1]["metadata"]["name"]
    assert len(kustomizations) == len(by_parent), "dependsOn must form one chain"
    names = [k["metadata"]["name"] for k in kustomizations]
    assert names[0] == "infra-controllers" and names[-1] == "apps"
    assert names.index("infra-controllers") < names.index("pre-deploy") < names.index("apps")
    if "infra-configs" in names:
        assert names.index("infra-controllers") < names.index("infra-configs") < names.index("pre-deploy")
    for previous, current in pairwise(kustomizations):
        assert current["spec"]["dependsOn"] == [{"name": previous["metadata"]["name"]}]
    for k in kustomizations:
        spec = k["spec"]
        root = REPO if not m.env.cluster.is_local else REPO / "dist" / env
        assert (root / spec["path"]).joinpath("kustomization.yaml").is_file(), spec["path"]
        assert spec["prune"] is True and spec["wait"] is True and spec["timeout"] and spec["retryInterval"]
        assert spec.get("force", False) == (k["metadata"]["name"] == "pre-deploy")
    apps = next(k for k in kustomizations if k["metadata"]["name"] == "apps")
    assert apps["spec"]["decryption"] == {"provider": "sops", "secretRef": {"name": "sops-age"}}
