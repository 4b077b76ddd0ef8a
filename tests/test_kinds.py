"""kinds.py is the one model of what each kind means: the synth guard, `make validate` and `make diff` read it,
so one Deployment + HPA + PDB gets one replica count everywhere."""

from __future__ import annotations

import re

from docrouter.kinds import claims, path_matches, replicas, templates
from docrouter.synthesis.manifest_rules import object_problems
from docrouter.synthesis.synth import to_yaml
from docrouter_tools.review.core import diff_manifests
from docrouter_tools.validate.model import Document
from docrouter_tools.validate.policy import max_unavailable_problems

APPS = "dist/production/apps/doc-router"
LABELS = {"app.kubernetes.io/name": "api"}  # copied where used: one dict twice would dump as a YAML alias


def _deployment(spec_replicas: int) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "doc-router"},
        "spec": {
            "replicas": spec_replicas,
            "selector": {"matchLabels": dict(LABELS)},
            "template": {
                "metadata": {"labels": dict(LABELS)},
                "spec": {"containers": [{"name": "api", "image": "api:1.0.0"}]},
            },
        },
    }


HPA = {
    "apiVersion": "autoscaling/v2",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "api", "namespace": "doc-router"},
    "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
        "minReplicas": 2,
        "maxReplicas": 6,
    },
}
PDB = {
    "apiVersion": "policy/v1",
    "kind": "PodDisruptionBudget",
    "metadata": {"name": "api", "namespace": "doc-router"},
    "spec": {"minAvailable": 2, "selector": {"matchLabels": dict(LABELS)}},
}


def _count(text: str) -> int:
    match = re.search(r"(\d+) replicas?", text)
    assert match, text
    return int(match.group(1))


def test_one_deployment_hpa_pdb_fixture_gets_one_replica_count_in_every_tool():
    deployment = _deployment(spec_replicas=5)  # spec.replicas says 5, the HPA may scale it down to 2
    objects = [deployment, HPA, PDB]
    assert replicas(deployment, objects).count == 2 and replicas(deployment, objects).hpa

    (guard,) = [p for p in object_problems(objects) if "drain" in p.message]
    validated = max_unavailable_problems(Document(deployment, f"{APPS}/deployment-api.yaml", 0), [HPA])
    tree = {f"{APPS}/{str(o['kind']).lower()}-api.yaml": to_yaml(o) for o in (deployment, HPA)}
    with_pdb = {**tree, f"{APPS}/poddisruptionbudget-api.yaml": to_yaml(PDB)}
    (env,) = diff_manifests(tree, with_pdb).envs
    (flag,) = [r for r in env.risks if r.id == "capacity"]
    assert _count(guard.message.split("not below the ")[1]) == 2
    assert _count(validated[0]) == 2
    assert _count(flag.reason.split(" with ")[1]) == 2


def test_a_target_scaled_to_zero_disables_its_hpa():
    assert replicas(_deployment(0), [HPA]).count == 0


def test_custom_resources_expose_the_pod_templates_they_embed():
    community = {"kind": "MongoDBCommunity", "spec": {"statefulSet": {"spec": {"template": {"spec": {}}}}}}
    search = {"kind": "MongoDBSearch", "spec": {"clusters": [{}, {"statefulSet": {"spec": {"template": {}}}}]}}
    assert [(t.path, t.override) for t in templates(community)] == [("spec.statefulSet.spec.template", True)]
    assert [t.path for t in templates(search)] == ["spec.clusters[1].statefulSet.spec.template"]
    assert [t.path for t in templates(_deployment(1))] == ["spec.template"]


def test_field_paths_match_list_indexes_under_a_star():
    assert path_matches("spec.clusters[0].persistence.single.storage", "spec.clusters[*].persistence")
    assert not path_matches("spec.clusters[0].replicas", "spec.clusters[*].persistence")
    assert path_matches("spec.selector.matchLabels.app", "spec.selector")
    assert not path_matches("spec.selectorx", "spec.selector")


COMMUNITY = {
    "apiVersion": "mongodbcommunity.mongodb.com/v1",
    "kind": "MongoDBCommunity",
    "metadata": {"name": "mongodb", "namespace": "mongodb"},
    "spec": {
        "statefulSet": {
            "spec": {
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data-volume"},
                        "spec": {"storageClassName": "gp3", "resources": {"requests": {"storage": "0"}}},
                    }
                ]
            }
        }
    },
}


def test_claims_an_operator_makes_are_data_fields_every_tool_sees():
    (claim,) = claims(COMMUNITY)
    assert (claim.path, claim.name, claim.storage, claim.storage_class) == (
        "spec.statefulSet.spec.volumeClaimTemplates[0]",
        "data-volume",
        "0",
        "gp3",
    )
    (problem,) = [p for p in object_problems([COMMUNITY]) if "storage size" in p.message]
    assert "spec.statefulSet.spec.volumeClaimTemplates[0] (data-volume)" in problem.where
    search = {
        "kind": "MongoDBSearch",
        "spec": {"clusters": [{"persistence": {"single": {"storage": "50Gi", "storageClass": "gp3"}}}]},
    }
    assert [(c.path, c.storage) for c in claims(search)] == [("spec.clusters[0].persistence.single", "50Gi")]


def test_a_pdb_over_the_operators_pods_is_weighed_against_the_members():
    community = {
        "apiVersion": "mongodbcommunity.mongodb.com/v1",
        "kind": "MongoDBCommunity",
        "metadata": {"name": "mongodb", "namespace": "mongodb"},
        "spec": {"members": 3},
    }

    def pdb(minimum: int) -> dict:
        return {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "mongodb", "namespace": "mongodb"},
            "spec": {"minAvailable": minimum, "selector": {"matchLabels": {"app": "mongodb-svc"}}},
        }

    (problem,) = [p for p in object_problems([community, pdb(3)]) if "drain" in p.message]
    assert "not below the 3 replicas of MongoDBCommunity mongodb/mongodb" in problem.message
    assert not [p for p in object_problems([community, pdb(2)]) if "drain" in p.message]
