"""The pure review core on in-memory trees: objects, fields, risk flags, rollouts."""

from __future__ import annotations

import copy

import yaml

from docrouter_tools.review.core import diff_manifests
from docrouter_tools.review.model import ObjectKey
from review_trees import APPS, add, edit, production, pvc

PRE = "dist/production/pre-deploy/doc-router"
DB = "dist/production/database/mongodb"


def min_available_two(pdb):
    pdb["spec"].pop("maxUnavailable", None)
    pdb["spec"]["minAvailable"] = 2


def _env(old, new):
    (report,) = diff_manifests(old, new).envs
    return report


def _statuses(env):
    return {(c.status, c.key.label()) for c in env.changes}


def _risks(env):
    return {(r.id, r.object.label()) for r in env.risks}


def test_identical_trees_and_reformatting_report_nothing():
    base = production()
    path = f"{APPS}/deployment-frontend.yaml"
    reordered = yaml.safe_dump(yaml.safe_load(base[path]), sort_keys=True, default_flow_style=True)
    env = _env(base, {**base, path: reordered})
    assert env.changes == [] and env.risks == [] and env.summary() == "0 added, 0 changed, 0 removed"


def test_added_deployment_is_reported_without_risk():
    base = production()
    body = yaml.safe_load(base[f"{APPS}/deployment-frontend.yaml"])
    body["metadata"]["name"] = "frontend-canary"
    env = _env(base, add(base, f"{APPS}/deployment-frontend-canary.yaml", body))
    assert _statuses(env) == {("added", "Deployment doc-router/frontend-canary")}
    assert env.risks == []


def test_removed_pvc_is_a_prune_data_risk():
    base = add(production(), f"{APPS}/persistentvolumeclaim-uploads.yaml", pvc("uploads"))
    env = _env(base, production())
    assert _statuses(env) == {("removed", "PersistentVolumeClaim doc-router/uploads")}
    assert _risks(env) == {("prune-data", "PersistentVolumeClaim doc-router/uploads")}
    assert "Flux prunes it" in env.risks[0].reason


def test_removed_database_with_prune_disabled_says_it_stays_orphaned():
    base = production()
    new = {p: t for p, t in base.items() if not p.endswith("mongodbcommunity-mongodb.yaml")}
    env = _env(base, new)
    (risk,) = [r for r in env.risks if r.id == "prune-data"]
    assert risk.object.label() == "MongoDBCommunity mongodb/mongodb" and "prune: disabled" in risk.reason


def test_selector_change_fails_the_apply_and_names_the_force_annotation():
    base = production()
    new = edit(
        base, f"{APPS}/deployment-frontend.yaml", lambda d: d["spec"]["selector"]["matchLabels"].update(tier="web")
    )
    env = _env(base, new)
    (risk,) = env.risks
    assert (risk.id, risk.object.label()) == ("immutable-field", "Deployment doc-router/frontend")
    assert "apply will fail" in risk.reason and "kustomize.toolkit.fluxcd.io/force: enabled" in risk.action


def test_statefulset_service_name_change_warns_about_data_loss():
    base = production()
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "cache", "namespace": "mongodb"},
        "spec": {
            "serviceName": "cache",
            "replicas": 1,
            "selector": {"matchLabels": {"app": "cache"}},
            "template": {"metadata": {"labels": {"app": "cache"}}, "spec": {"containers": []}},
        },
    }
    base = add(base, f"{DB}/statefulset-cache.yaml", sts)
    new = edit(base, f"{DB}/statefulset-cache.yaml", lambda d: d["spec"].update(serviceName="mongo"))
    (risk,) = _env(base, new).risks
    assert risk.id == "immutable-field" and "spec.serviceName" in risk.reason and "Data-loss warning" in risk.action


def test_forced_job_template_change_is_recreated_not_failed():
    base = production()
    new = edit(
        base,
        f"{PRE}/job-migrate-v43-0-0.yaml",
        lambda d: d["spec"]["template"]["spec"]["containers"][0].update(command=["python3", "other.py"]),
    )
    (risk,) = _env(base, new).risks
    assert risk.id == "immutable-field" and "delete it and re-create it" in risk.reason


def renamed(base: dict, old_path: str, new_path: str, name: str) -> dict:
    """The tree with the object at old_path renamed to `name` and moved to new_path."""
    body = yaml.safe_load(base[old_path])
    body["metadata"]["name"] = name
    return add({p: t for p, t in base.items() if p != old_path}, new_path, body)


def test_job_with_a_new_name_is_add_and_remove_only():
    base = production()
    env = _env(base, renamed(base, f"{PRE}/job-migrate-v43-0-0.yaml", f"{PRE}/job-migrate-0-2-0.yaml", "migrate-0-2-0"))
    assert _statuses(env) == {("added", "Job doc-router/migrate-0-2-0"), ("removed", "Job doc-router/migrate-v43-0-0")}
    assert env.risks == []


def test_pvc_shrink_and_storage_class_change_are_immutable():
    base = add(production(), f"{APPS}/persistentvolumeclaim-uploads.yaml", pvc("uploads", "10Gi"))
    grown = add(production(), f"{APPS}/persistentvolumeclaim-uploads.yaml", pvc("uploads", "20Gi"))
    shrunk = add(production(), f"{APPS}/persistentvolumeclaim-uploads.yaml", pvc("uploads", "5Gi"))
    moved = add(production(), f"{APPS}/persistentvolumeclaim-uploads.yaml", pvc("uploads", "10Gi", "standard"))
    assert _env(base, grown).risks == []
    assert "shrinking" in _env(base, shrunk).risks[0].reason
    assert "spec.storageClassName" in _env(base, moved).risks[0].reason


def test_scale_to_zero_and_removed_pdb_are_capacity_risks():
    base = production()
    new = edit(base, f"{APPS}/deployment-frontend.yaml", lambda d: d["spec"].update(replicas=0))
    new = {p: t for p, t in new.items() if not p.endswith("poddisruptionbudget-worker.yaml")}
    env = _env(base, new)
    assert _risks(env) == {
        ("capacity", "Deployment doc-router/frontend"),
        ("capacity", "PodDisruptionBudget doc-router/worker"),
    }


def test_replicas_below_pdb_min_available():
    base = edit(production(), f"{APPS}/poddisruptionbudget-frontend.yaml", min_available_two)
    new = edit(base, f"{APPS}/deployment-frontend.yaml", lambda d: d["spec"].update(replicas=1))
    (risk,) = _env(base, new).risks
    assert risk.id == "capacity" and "minAvailable 2" in risk.reason


def test_max_unavailable_raised_above_zero():
    base = production()
    new = edit(
        base,
        f"{APPS}/deployment-frontend.yaml",
        lambda d: d["spec"]["strategy"]["rollingUpdate"].update(maxUnavailable=1),
    )
    (risk,) = _env(base, new).risks
    assert risk.id == "capacity" and "maxUnavailable raised from 0 to 1" in risk.reason


def _container(d):
    return d["spec"]["template"]["spec"]["containers"][0]


def test_security_regressions():
    base = production()

    def worsen(d):
        _container(d)["securityContext"].update(
            privileged=True, runAsNonRoot=False, runAsUser=0, capabilities={"add": ["NET_ADMIN"]}
        )
        _container(d)["image"] = "ghcr.io/analytiq-hub/doc-router-frontend:latest"
        d["spec"]["template"]["spec"]["hostNetwork"] = True

    reasons = " ".join(r.reason for r in _env(base, edit(base, f"{APPS}/deployment-frontend.yaml", worsen)).risks)
    for words in ("runs privileged", "may run as root", "NET_ADMIN", "hostNetwork", "latest"):
        assert words in reasons


def test_untagged_image_is_flagged():
    base = production()
    new = edit(
        base,
        f"{APPS}/deployment-frontend.yaml",
        lambda d: _container(d).update(image="ghcr.io/analytiq-hub/doc-router-frontend"),
    )
    (risk,) = _env(base, new).risks
    assert risk.id == "security" and "untagged" in risk.reason


def test_ingress_tls_and_host_removed():
    base = production()
    no_tls = edit(base, f"{APPS}/ingress-doc-router.yaml", lambda d: d["spec"].pop("tls"))
    (risk,) = _env(base, no_tls).risks
    assert risk.id == "ingress" and "TLS removed" in risk.reason
    gone = {p: t for p, t in base.items() if not p.endswith("ingress-doc-router.yaml")}
    assert {r.id for r in _env(base, gone).risks} == {"ingress"}


def test_network_policy_removed():
    base = production()
    new = {p: t for p, t in base.items() if not p.endswith("networkpolicy-backend.yaml")}
    # Without its policy the backend is still under default-deny: the engine sees the flows it loses.
    lost = {"ingress-backend", "frontend-backend", "app-mongodb", "app-internet-https"}
    assert _risks(_env(base, new)) == {("network-policy", "NetworkPolicy doc-router/backend")} | {
        ("network-flow", f"NetworkFlow {flow}") for flow in lost
    }


def test_rename_is_flagged_as_delete_and_create():
    base = production()
    env = _env(base, renamed(base, f"{APPS}/service-frontend.yaml", f"{APPS}/service-web.yaml", "web"))
    (risk,) = env.risks
    assert (risk.id, risk.object.label()) == ("rename", "Service doc-router/web")
    assert "renamed from frontend" in risk.reason and "deletes the old" in risk.reason


def test_image_bump_lists_tags_and_explains_rollout():
    base = production()
    new = edit(
        base,
        f"{APPS}/deployment-frontend.yaml",
        lambda d: _container(d).update(image="ghcr.io/analytiq-hub/doc-router-frontend:0.2.0"),
    )
    new = edit(
        new,
        f"{APPS}/deployment-backend.yaml",
        lambda d: _container(d).update(image="ghcr.io/analytiq-hub/doc-router-backend:0.2.0"),
    )
    env = _env(base, new)
    assert env.risks == []
    assert [(i.object.name, i.old.rsplit(":", 1)[1], i.new.rsplit(":", 1)[1]) for i in env.images] == [
        ("backend", "v43.0.0", "0.2.0"),
        ("frontend", "v43.0.0", "0.2.0"),
    ]
    frontend = env.rollouts[ObjectKey("production", "Deployment", "doc-router", "frontend")]
    assert frontend.startswith(
        "2 replicas, maxSurge 1, maxUnavailable 0: start 1 new pod → wait ready → stop 1 old pod"
    )
    assert "peak 3 pods, extra capacity needed: 250m CPU, 512Mi memory" in frontend
    backend = env.rollouts[ObjectKey("production", "Deployment", "doc-router", "backend")]
    assert "HPA-managed" in backend and "500m CPU, 768Mi memory" in backend


def test_replica_change_without_template_change_has_no_rollout():
    base = production()
    env = _env(base, edit(base, f"{APPS}/deployment-frontend.yaml", lambda d: d["spec"].update(replicas=3)))
    (change,) = env.changes
    assert [(f.path, f.old, f.new) for f in change.fields] == [("spec.replicas", 2, 3)]
    assert env.rollouts[change.key].startswith("no rollout")


def test_hpa_min_replicas_below_pdb_min_available_flags_its_deployment():
    base = edit(production(), f"{APPS}/poddisruptionbudget-backend.yaml", min_available_two)
    new = edit(base, f"{APPS}/horizontalpodautoscaler-backend.yaml", lambda d: d["spec"].update(minReplicas=1))
    (risk,) = _env(base, new).risks
    assert (risk.id, risk.object.label()) == ("capacity", "Deployment doc-router/backend")
    assert "1 replica (HPA minReplicas)" in risk.reason


def min_available(value):
    def change(pdb):
        pdb["spec"].pop("maxUnavailable", None)
        pdb["spec"]["minAvailable"] = value

    return change


def test_pdb_min_available_raised_to_the_replica_count_is_a_capacity_risk():
    base = production()
    (risk,) = _env(base, edit(base, f"{APPS}/poddisruptionbudget-frontend.yaml", min_available(2))).risks
    assert (risk.id, risk.object.label()) == ("capacity", "Deployment doc-router/frontend")
    assert "minAvailable 2 with 2 replicas" in risk.reason and "node drains" in risk.reason
    assert _env(base, edit(base, f"{APPS}/poddisruptionbudget-frontend.yaml", min_available(1))).risks == []
    raised = edit(base, f"{APPS}/poddisruptionbudget-frontend.yaml", min_available(1))
    assert _risks(_env(raised, edit(raised, f"{APPS}/poddisruptionbudget-frontend.yaml", min_available(5)))) == {
        ("capacity", "Deployment doc-router/frontend")
    }


def test_recreate_on_a_multi_replica_deployment_is_a_capacity_risk():
    def recreate(deployment):
        deployment["spec"]["strategy"] = {"type": "Recreate"}

    base = production()
    risks = _env(base, edit(base, f"{APPS}/deployment-frontend.yaml", recreate)).risks
    assert [(r.id, r.object.label()) for r in risks] == [("capacity", "Deployment doc-router/frontend")]
    assert "Recreate with 2 replicas: every pod stops before any new one starts" in risks[0].reason
    single = edit(base, f"{APPS}/deployment-frontend.yaml", lambda d: d["spec"].update(replicas=1))
    assert _env(single, edit(single, f"{APPS}/deployment-frontend.yaml", recreate)).risks == []


def test_the_same_flag_is_reported_once_per_object_and_reason():
    base = edit(production(), f"{APPS}/poddisruptionbudget-backend.yaml", min_available(1))
    new = edit(base, f"{APPS}/horizontalpodautoscaler-backend.yaml", lambda d: d["spec"].update(minReplicas=1))
    new = edit(
        new,
        f"{APPS}/deployment-backend.yaml",  # the Deployment changes too: both lead to the backend
        lambda d: d["spec"]["template"]["metadata"].setdefault("annotations", {}).update(restart="1"),
    )
    risks = _env(base, new).risks
    assert [(r.id, r.object.label()) for r in risks] == [("capacity", "Deployment doc-router/backend")]


def test_a_rule_without_host_is_described_as_catching_every_host():
    def add_catch_all(ingress):
        rule = copy.deepcopy(ingress["spec"]["rules"][0])
        rule.pop("host")
        ingress["spec"]["rules"].append(rule)

    base = edit(production(), f"{APPS}/ingress-doc-router.yaml", add_catch_all)
    host_gone = edit(base, f"{APPS}/ingress-doc-router.yaml", lambda d: d["spec"]["rules"].pop(0))
    reasons = [r.reason for r in _env(base, host_gone).risks if r.id == "ingress"]
    assert any(
        "host app.docrouter.ai no longer routed by a rule of its own: the rule with no host catches it" in reason
        for reason in reasons
    ), reasons
    assert not any("404" in reason for reason in reasons)
    catch_all_gone = edit(base, f"{APPS}/ingress-doc-router.yaml", lambda d: d["spec"]["rules"].pop())
    (risk,) = _env(base, catch_all_gone).risks
    assert "the rule with no host" in risk.reason and "any other host now get 404" in risk.reason


def test_counts_use_the_singular_for_one():
    base = edit(production(), f"{APPS}/deployment-worker.yaml", lambda d: d["spec"].update(replicas=1))
    new = edit(
        base,
        f"{APPS}/deployment-worker.yaml",
        lambda d: d["spec"]["template"]["metadata"].setdefault("annotations", {}).update(restart="1"),
    )
    env = _env(base, new)
    rollout = env.rollouts[ObjectKey("production", "Deployment", "doc-router", "worker")]
    assert rollout.startswith("1 replica, maxSurge 1, maxUnavailable 0: start 1 new pod → wait ready → stop 1 old pod")
    assert "1 replicas" not in rollout and "peak 2 pods" in rollout
