"""Every flow at every Flux stage of every environment, proven by network-config-analyzer.

Reads the committed dist/<env>/ and clusters/<env>/ (CI's drift check makes them equal a fresh synth).
One test per environment × stage × applicable flow; connectivity is computed once per stage.
"""

from __future__ import annotations

import dataclasses
import functools
import re

import pytest
import yaml

from conftest import REPO
from docrouter import constants as c
from docrouter.config import environment_names, load_environment
from docrouter_tools.netflow import runtime
from docrouter_tools.netflow.engine import Connection, EngineError, Query, check_flows
from docrouter_tools.netflow.flows import FLOWS, FORBIDDEN, REQUIRED, readme_table
from docrouter_tools.netflow.proof import applicable_flows, flows_for, prove, prove_environment, prove_stage
from docrouter_tools.netflow.stages import StageError, flux_order, load_stages, pods_of, read_tree


@functools.cache
def _stages(env: str):
    return load_stages(env, load_environment(env).provider, read_tree(REPO, env))


@functools.cache
def _outcomes(env: str, index: int) -> dict:
    return {o.flow.id: o for o in prove_stage(_stages(env)[index])}


CASES = [
    pytest.param(env, i, flow.id, id=f"{env}-{stage.label}-{flow.id}")
    for env in environment_names()
    for i, stage in enumerate(_stages(env))
    for flow in applicable_flows(stage.pods, flows_for(stage.provider))
]


@pytest.mark.parametrize(("env", "index", "flow_id"), CASES)
def test_flow_at_stage(env, index, flow_id):
    outcome = _outcomes(env, index)[flow_id]
    assert outcome.holds, outcome.message()


def _tree(env: str) -> dict[str, str]:
    return dict(read_tree(REPO, env))


def _failures(env: str, tree: dict[str, str]) -> dict[tuple[str, str], str]:
    provider = load_environment(env).provider
    return {(o.stage, o.flow.id): o.message() for o in prove_environment(env, provider, tree) if not o.holds}


def _edit(tree: dict[str, str], path: str, change) -> None:  # noqa: ANN001 - a function of the parsed object
    obj = yaml.safe_load(tree[path])
    change(obj)
    tree[path] = yaml.safe_dump(obj)


def test_stages_follow_flux_depends_on_in_clusters():
    for env in environment_names():
        seen: set[str] = set()
        for stage in _stages(env):
            flux = yaml.safe_load((REPO / f"clusters/{env}/{stage.name}.yaml").read_text())
            assert {d["name"] for d in flux["spec"].get("dependsOn", [])} <= seen, (env, stage.name)
            seen.add(stage.name)
        flux_kustomizations = [
            doc["metadata"]["name"]
            for p in (REPO / f"clusters/{env}").glob("*.yaml")
            for doc in [yaml.safe_load(p.read_text())]
            if doc["kind"] == "Kustomization" and doc["apiVersion"].startswith("kustomize.toolkit.fluxcd.io/")
        ]
        assert seen == set(flux_kustomizations), env


def test_every_environment_proves_the_app_flows_in_its_last_stage():
    for env in environment_names():
        proven = set(_outcomes(env, len(_stages(env)) - 1))
        assert {
            "dns",
            "ingress-frontend",
            "ingress-backend",
            "frontend-backend",
            "app-mongodb",
            "no-direct-frontend-backend",
            "no-app-metadata",
            "no-doc-router-lateral",
        } <= proven, env
        assert ("ingress-acme-solver" in proven) == load_environment(env).tls, env


BASELINE = ("default-deny", "allow-dns")


def _late_baselines(env: str, stages) -> list[str]:  # noqa: ANN001 - list of Stage
    """Namespaces whose first pod runs before their baseline: unconfined, or under its own policy without DNS."""
    problems = []
    guarded = {
        o["metadata"]["namespace"]
        for o in stages[-1].objects
        if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] in BASELINE
    }
    for namespace in sorted(guarded):
        first = next(s for s in stages if any(p.namespace == namespace for p in s.pods))
        present = {
            o["metadata"]["name"]
            for o in first.objects
            if o["kind"] == "NetworkPolicy" and o["metadata"].get("namespace") == namespace
        }
        if missing := sorted(set(BASELINE) - present):
            problems.append(
                f"{env}: namespace {namespace} gets its first pod at stage {first.label}, before its "
                f"{', '.join(missing)}. Fix: build its baseline in network.NamespaceBaselines (controllers "
                "layer) and drop its namespace_baseline() call elsewhere"
            )
    return problems


@pytest.mark.parametrize("env", environment_names())
def test_a_namespace_baseline_arrives_no_later_than_its_first_pod(env):
    assert not _late_baselines(env, _stages(env))


def test_a_baseline_in_the_apps_layer_is_late():
    tree = _tree("kind")
    for name in BASELINE:
        old = f"dist/kind/infrastructure/controllers/doc-router/networkpolicy-{name}.yaml"
        tree[f"dist/kind/apps/doc-router/networkpolicy-{name}.yaml"] = tree.pop(old)
    stages = load_stages("kind", "kind", tree)
    (problem,) = _late_baselines("kind", stages)
    pre_deploy = next(stage.label for stage in stages if stage.name == "pre-deploy")
    assert problem.startswith(f"kind: namespace doc-router gets its first pod at stage {pre_deploy}, before its")


def test_migration_without_dns_at_its_stage_is_caught_and_the_policy_named():
    """The first-install defect: default-deny + allow-dns arriving in the apps layer, after the Job."""
    tree = _tree("staging")
    for name in ("allow-dns", "default-deny"):
        old = f"dist/staging/infrastructure/controllers/doc-router/networkpolicy-{name}.yaml"
        tree[f"dist/staging/apps/doc-router/networkpolicy-{name}.yaml"] = tree.pop(old)
    failures = _failures("staging", tree)
    message = failures[("4-pre-deploy", "dns")]
    assert "doc-router/migrate-v43-0-0-0 → kube-system/coredns-0 UDP 53 denied" in message
    assert "limited by NetworkPolicy doc-router/migrate" in message
    assert ("5-apps", "dns") not in failures


def test_unreachable_http01_solver_is_caught():
    tree = _tree("production")
    del tree["dist/production/apps/doc-router/networkpolicy-acme-http01-solver.yaml"]
    message = _failures("production", tree)[("5-apps", "ingress-acme-solver")]
    assert "ingress-nginx/ingress-nginx-controller-0 → doc-router/cm-acme-http-solver-0 TCP 8089 denied" in message
    assert "doc-router/default-deny" in message


def test_dns_policy_with_labels_coredns_does_not_carry_fails():
    """No simulated kube-dns pod hides a selector that matches nothing (nca's LiveSim is bypassed)."""
    tree = _tree("kind")
    path = "dist/kind/infrastructure/controllers/doc-router/networkpolicy-allow-dns.yaml"
    _edit(
        tree, path, lambda p: p["spec"]["egress"][0]["to"][0]["podSelector"].update(matchLabels={"k8s-app": "coredns"})
    )
    assert any(flow == "dns" for _, flow in _failures("kind", tree))


def test_a_policy_opening_mongodb_to_everyone_is_caught_and_named():
    tree = _tree("production")
    tree["dist/production/database/mongodb/networkpolicy-open.yaml"] = yaml.safe_dump(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "open", "namespace": "mongodb"},
            "spec": {"podSelector": {}, "ingress": [{}], "policyTypes": ["Ingress"]},
        }
    )
    failures = _failures("production", tree)
    assert "ingress admitted by NetworkPolicy mongodb/open" in failures[("5-apps", "no-internet-mongodb")]
    assert ("3-database", "no-foreign-mongodb") in failures


def test_lateral_traffic_in_doc_router_beyond_the_listed_flows_is_caught():
    tree, ports = _tree("staging"), [{"protocol": "TCP", "port": 8000}, {"protocol": "TCP", "port": 9000}]
    _edit(
        tree,
        "dist/staging/apps/doc-router/networkpolicy-backend.yaml",
        lambda p: p["spec"]["ingress"][0].update(ports=ports),
    )
    _edit(
        tree,
        "dist/staging/apps/doc-router/networkpolicy-frontend.yaml",
        lambda p: p["spec"]["egress"][0].update(ports=ports),
    )
    message = _failures("staging", tree)[("5-apps", "no-doc-router-lateral")]
    assert "doc-router/frontend-0 → doc-router/backend-0 allowed" in message and "9000" in message


def test_flux_order_refuses_cycles_and_unknown_dependencies():
    def k(name, *deps):
        return (
            f"clusters/x/{name}.yaml",
            {"metadata": {"name": name}, "spec": {"dependsOn": [{"name": d} for d in deps]}},
        )

    assert [d["metadata"]["name"] for _, d in flux_order("x", [k("b", "a"), k("a")])] == ["a", "b"]
    with pytest.raises(StageError, match=r"environment 'x': dependsOn forms a cycle among a, b"):
        flux_order("x", [k("a", "b"), k("b", "a")])
    with pytest.raises(StageError, match=r"clusters/x/a.yaml depends on ghost"):
        flux_order("x", [k("a", "ghost")])


def test_a_chart_bump_requires_re_reading_the_fixture():
    release = {
        "kind": "HelmRelease",
        "metadata": {"name": "ingress-nginx", "namespace": "ingress-nginx"},
        "spec": {"chart": {"spec": {"chart": "ingress-nginx", "version": "4.14.0"}}},
    }
    with pytest.raises(runtime.RuntimeFixtureError, match="re-read the labels"):
        runtime.helm_release_pods(release)
    assert c.INGRESS_NGINX_CHART.version == runtime.INGRESS_NGINX_READ


def test_ingress_nginx_fixture_matches_the_chart_selector():
    (pod,) = runtime.helm_release_pods(
        {
            "kind": "HelmRelease",
            "metadata": {"name": "ingress-nginx", "namespace": "ingress-nginx"},
            "spec": {"chart": {"spec": {"chart": "ingress-nginx", "version": runtime.INGRESS_NGINX_READ}}},
        }
    )
    assert {
        "app.kubernetes.io/name": "ingress-nginx",
        "app.kubernetes.io/instance": "ingress-nginx",
        "app.kubernetes.io/component": "controller",
    }.items() <= pod.labels.items()


MONGODB_COMMUNITY = {
    "apiVersion": "mongodbcommunity.mongodb.com/v1",
    "kind": "MongoDBCommunity",
    "metadata": {"name": "mongodb", "namespace": "mongodb"},
    "spec": {"members": 3},
}
MONGODB_SEARCH = {
    "apiVersion": "mongodb.com/v1",
    "kind": "MongoDBSearch",
    "metadata": {"name": "mongodb", "namespace": "mongodb"},
    "spec": {"clusters": [{}]},
}


def test_operator_pods_come_from_the_custom_resources():
    pods = runtime.runtime_pods("aws", [MONGODB_COMMUNITY, MONGODB_SEARCH])
    by_name = {p.name: p for p in pods}
    assert by_name["mongodb-0"].labels == {"app": "mongodb-svc"} and by_name["mongodb-0"].ports == (("TCP", 27017),)
    assert by_name["mongodb-search-0-0"].labels == {"app": "mongodb-search-0-svc"}
    assert ("TCP", c.MONGOT_GRPC_PORT) in by_name["mongodb-search-0-0"].ports


def _policy(name: str, pods: dict, ingress: list | None = None, egress: list | None = None) -> dict:
    spec = {"podSelector": {"matchLabels": pods} if pods else {}, "policyTypes": []}
    for direction, rules in (("ingress", ingress), ("egress", egress)):
        if rules is not None:
            spec[direction], spec["policyTypes"] = rules, [*spec["policyTypes"], direction.capitalize()]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "mongodb"},
        "spec": spec,
    }


def test_operator_pods_are_held_to_the_mongod_mongot_flows():
    """Once the database layer holds the custom resources, the mongot flows apply to the operator's pods."""
    members, mongot = {"app": "mongodb-svc"}, {"app": "mongodb-search-0-svc"}
    objects = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "mongodb"}},
        MONGODB_COMMUNITY,
        MONGODB_SEARCH,
        _policy("default-deny", {}, [], []),
    ]
    pods = pods_of("aws", objects)
    assert {"mongod-mongot", "mongot-mongod", "mongodb-replication"} <= {f.id for f in applicable_flows(pods)}
    denied = {o.flow.id: o for o in prove("production", "final", objects, pods)}
    assert not denied["mongod-mongot"].holds and "mongodb/default-deny" in denied["mongod-mongot"].message()

    def peer(labels: dict, port: int, way: str) -> list:
        return [{way: [{"podSelector": {"matchLabels": labels}}], "ports": [{"protocol": "TCP", "port": port}]}]

    objects += [
        _policy(
            "members",
            members,
            peer(members, 27017, "from") + peer(mongot, 27017, "from"),
            peer(members, 27017, "to") + peer(mongot, c.MONGOT_GRPC_PORT, "to"),
        ),
        _policy("mongot", mongot, peer(members, c.MONGOT_GRPC_PORT, "from"), peer(members, 27017, "to")),
    ]
    allowed = {o.flow.id: o for o in prove("production", "final", objects, pods)}
    assert all(allowed[f].holds for f in ("mongod-mongot", "mongot-mongod", "mongodb-replication")), allowed


def test_engine_reports_malformed_policies_as_one_clear_error():
    bad = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "bad", "namespace": "x"},
        "spec": {"podSelector": {}, "ingress": [{"ports": "80"}]},
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "x", "labels": {"a": "b"}},
        "spec": {"containers": [{"name": "c", "image": "i"}]},
    }
    with pytest.raises(EngineError):
        check_flows([bad, pod], [Query(Connection(("x/p",), ("203.0.113.10",), None), True)])


def test_flow_data_is_complete():
    assert len({f.id for f in FLOWS}) == len(FLOWS)
    assert all(f.why and f.kind in (REQUIRED, FORBIDDEN) for f in FLOWS)


def test_docs_list_exactly_the_flows():
    doc = (REPO / "docs" / "network-flows.md").read_text(encoding="utf-8")
    section = re.search(r"<!-- netflow:begin -->\n(.*?)\n<!-- netflow:end -->", doc, re.S)
    assert section, "docs/network-flows.md lacks the <!-- netflow:begin --> … <!-- netflow:end --> section"
    assert section.group(1) == readme_table(), (
        "docs/network-flows.md flow table is stale: paste flows.readme_table()'s output"
    )


def test_outcomes_name_env_stage_and_flow():
    outcome = dataclasses.replace(_outcomes("kind", 0)["dns"], holds=False, breaches=("x → y denied: z",))
    assert outcome.message().startswith("kind, stage 1-infra-controllers: required flow `dns` (every pod → kube-dns")


def test_validate_reports_a_denied_flow_as_a_netpol_flow_error(tmp_path):
    import shutil

    from docrouter_tools.validate.engine import validate_environment

    for top in ("dist", "clusters"):
        shutil.copytree(REPO / top / "staging", tmp_path / top / "staging")
    (tmp_path / "dist/staging/apps/doc-router/networkpolicy-acme-http01-solver.yaml").unlink()
    kustomization = tmp_path / "dist/staging/apps/kustomization.yaml"
    listed = kustomization.read_text().replace("- doc-router/networkpolicy-acme-http01-solver.yaml\n", "")
    kustomization.write_text(listed)
    findings = [
        f
        for f in validate_environment(tmp_path, load_environment("staging"), with_drift=False)
        if f.severity == "error"
    ]
    assert [(f.rule, f.file) for f in findings] == [("netpol/flow", "clusters/staging/apps.yaml")]
    assert "`ingress-acme-solver`" in findings[0].message and findings[0].fix


def test_diff_flags_a_forbidden_flow_turned_on_and_nothing_for_unrelated_changes():
    from docrouter_tools.review.core import diff_manifests
    from review_trees import APPS, edit, production

    base = production()
    opened = edit(
        base,
        f"{APPS}/networkpolicy-frontend.yaml",
        lambda p: p["spec"]["ingress"][0]["from"].append({"ipBlock": {"cidr": "0.0.0.0/0"}}),
    )
    (env,) = diff_manifests(base, opened).envs
    flows = [r for r in env.risks if r.id == "network-flow"]
    assert [r.object.name for r in flows] == ["no-internet-frontend-backend"]
    assert "turns on the forbidden flow internet → frontend/backend" in flows[0].reason
    assert "ingress admitted by NetworkPolicy doc-router/frontend" in flows[0].reason
    bumped = edit(base, f"{APPS}/deployment-frontend.yaml", lambda d: d["spec"].update(replicas=3))
    (env,) = diff_manifests(base, bumped).envs
    assert not [r for r in env.risks if r.id == "network-flow"]
