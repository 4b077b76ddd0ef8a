"""What users rely on, read from the synthesized YAML of every environment."""

from __future__ import annotations

from conftest import REPO
from docrouter import constants as c
from docrouter.platform.app import backend_url
from docrouter.providers import OWN_STORAGE_CLASS_PREFIX
from docrouter.synthesis.checks import is_sops_encrypted
from docrouter_tools.secrets.init import secret_path, secrets_of


def app_deployments(env) -> list[str]:
    """The app's Deployments: the worker only where the environment runs one."""
    return ["frontend", "backend", *(["worker"] if env.worker else [])]


def containers(template: dict) -> list[dict]:
    spec = template["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def test_namespaces(manifests):
    names = {o["metadata"]["name"] for o in manifests.of_kind("Namespace")}
    in_cluster = manifests.env.in_cluster_mongodb is not None
    expected = {c.APP_NAMESPACE, c.INGRESS_NAMESPACE}
    # The database's namespaces only where MongoDB runs in the cluster; cert-manager only where certificates are issued.
    expected |= {c.MONGODB_NAMESPACE, c.MONGODB_OPERATOR_NAMESPACE} if in_cluster else set()
    assert names == expected | ({c.CERT_MANAGER_NAMESPACE} if manifests.env.tls else set())
    if in_cluster:
        mongodb = manifests.get("Namespace", c.MONGODB_NAMESPACE)
        assert mongodb["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/prune"] == "disabled"


def test_ingress_routes_fastapi_to_backend_and_the_rest_to_frontend(manifests):
    ingress = manifests.get("Ingress", "doc-router", c.APP_NAMESPACE)
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == manifests.env.ingress.host
    routes = {p["path"]: (p["pathType"], p["backend"]["service"]) for p in rule["http"]["paths"]}
    assert routes == {
        "/fastapi": ("Prefix", {"name": "backend", "port": {"number": 8000}}),
        "/": ("Prefix", {"name": "frontend", "port": {"number": 3000}}),
    }
    services = {s["metadata"]["name"]: s["spec"]["ports"][0]["port"] for s in manifests.of_kind("Service")}
    assert services["backend"] == 8000 and services["frontend"] == 3000


def test_tls_per_environment(manifests):
    ingress = manifests.get("Ingress", "doc-router", c.APP_NAMESPACE)
    annotations = ingress["metadata"].get("annotations", {})
    issuer = manifests.env.ingress.tls_issuer
    if issuer is None:
        assert "tls" not in ingress["spec"] and "cert-manager.io/cluster-issuer" not in annotations
    else:
        assert annotations["cert-manager.io/cluster-issuer"] == issuer
        assert ingress["spec"]["tls"] == [{"hosts": [manifests.env.ingress.host], "secretName": "doc-router-tls"}]
        issuer_obj = manifests.get("ClusterIssuer", issuer)
        assert issuer_obj["spec"]["acme"]["solvers"][0]["http01"]["ingress"]["ingressClassName"] == "nginx"


def test_the_app_runs_exactly_its_deployments(manifests):
    assert sorted(d["metadata"]["name"] for d in manifests.of_kind("Deployment")) == sorted(
        app_deployments(manifests.env)
    )


def test_rollout_strategy_never_drops_capacity(manifests):
    for name in app_deployments(manifests.env):
        deployment = manifests.get("Deployment", name, c.APP_NAMESPACE)
        assert deployment["spec"]["strategy"] == {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
        }, name


def test_app_containers_have_probes_resources_and_config(manifests):
    for name in app_deployments(manifests.env):
        (container,) = manifests.get("Deployment", name, c.APP_NAMESPACE)["spec"]["template"]["spec"]["containers"]
        assert container["readinessProbe"] and container["livenessProbe"], name
        assert set(container["resources"]) == {"requests", "limits"}
        assert container["envFrom"] == [
            {"configMapRef": {"name": "doc-router-config"}},
            {"secretRef": {"name": "doc-router-secrets"}},
        ]


def test_commands_and_ports(manifests):
    names = app_deployments(manifests.env)
    spec = {n: manifests.get("Deployment", n)["spec"]["template"]["spec"]["containers"][0] for n in names}
    assert spec["frontend"]["command"] == ["node", "frontend/server.js"]
    assert spec["frontend"]["ports"][0]["containerPort"] == 3000
    assert spec["backend"]["command"][:2] == ["uvicorn", "app.main:app"]
    assert spec["backend"]["ports"][0]["containerPort"] == 8000
    tag = manifests.env.backend.image_tag
    assert spec["backend"]["image"] == f"{c.BACKEND_IMAGE}:{tag}"
    if "worker" in spec:
        assert spec["worker"]["command"] == ["python3", "worker/worker.py"]
        assert spec["worker"]["image"] == spec["backend"]["image"]


def test_config_map(manifests):
    data = manifests.get("ConfigMap", "doc-router-config", c.APP_NAMESPACE)["data"]
    env = manifests.env
    assert data["FASTAPI_ROOT_PATH"] == "/fastapi"
    assert data["FASTAPI_BACKEND_URL"] == backend_url() == "http://backend.doc-router.svc.cluster.local:8000"
    assert data["NEXTAUTH_URL"] == env.public_url
    assert data["PUBLIC_API_URL"] == env.public_url + "/fastapi"
    assert data["DOCROUTER_WORKERS_ENABLED"] == ("0" if env.worker else "1")
    assert data["AWS_S3_BUCKET_NAME"] == env.s3.bucket and data["AWS_REGION"] == env.s3.region
    assert set(data) >= {"ENV", "N_UVICORN_WORKERS", "CORS_ORIGINS_EXTRA"}


def test_replicas_disruption_budgets_and_spread(manifests):
    env = manifests.env
    components = {"frontend": env.frontend, "backend": env.backend, "worker": env.worker}
    for name in app_deployments(env):
        cfg = components[name]
        assert cfg is not None
        deployment = manifests.get("Deployment", name)
        pod = deployment["spec"]["template"]["spec"]
        if name == "backend" and cfg.autoscaling:
            assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
        else:
            assert deployment["spec"]["replicas"] == cfg.replicas
        pdb = manifests.find("PodDisruptionBudget", name)
        if cfg.replicas > 1:
            assert pdb and pdb["spec"]["selector"] == deployment["spec"]["selector"]
            assert pod["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"
        else:
            assert pdb is None and "topologySpreadConstraints" not in pod


def test_the_backend_autoscales_exactly_where_configured(manifests):
    autoscaling = manifests.env.backend.autoscaling
    hpas = manifests.of_kind("HorizontalPodAutoscaler")
    if autoscaling is None:
        assert hpas == []
        return
    (hpa,) = hpas
    assert hpa["spec"]["scaleTargetRef"]["name"] == "backend"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (
        manifests.env.backend.replicas,
        autoscaling.max_replicas,
    )
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["spec"]["metrics"]}
    assert targets == {"cpu": autoscaling.cpu_utilization, "memory": autoscaling.memory_utilization}


def test_a_storage_class_is_created_only_when_the_environment_defines_it(manifests):
    storage = manifests.env.storage
    classes = manifests.of_kind("StorageClass")
    if storage.provisioner is None:  # a class the provider ships (providers.py): the cluster's own
        assert classes == []
        return
    (created,) = classes
    assert created["metadata"]["name"] == storage.name and storage.name.startswith(OWN_STORAGE_CLASS_PREFIX)
    assert created["provisioner"] == storage.provisioner
    assert created["parameters"] == dict(storage.parameters)
    assert created["reclaimPolicy"] == storage.reclaim_policy
    assert created["volumeBindingMode"] == storage.volume_binding_mode
    assert created["allowVolumeExpansion"] is storage.allow_volume_expansion


def test_ingress_nginx_is_reached_the_way_the_provider_allows(manifests):
    controller = manifests.get("HelmRelease", "ingress-nginx")["spec"]["values"]["controller"]
    if manifests.env.cluster.is_local:  # Kind: the node's own ports (kind's extraPortMappings)
        assert controller["hostPort"] == {"enabled": True} and controller["nodeSelector"]["ingress-ready"] == "true"
        return
    assert controller["service"]["type"] == "LoadBalancer"
    annotations = controller["service"].get("annotations", {})
    if manifests.env.provider == "aws":  # an NLB: the classic ELB would drop client IPs and WebSockets
        assert annotations["service.beta.kubernetes.io/aws-load-balancer-type"] == "nlb"


def test_helm_charts_are_pinned(manifests):
    for release in manifests.of_kind("HelmRelease"):
        chart = release["spec"]["chart"]["spec"]
        assert chart["version"] and not any(ch in chart["version"] for ch in "*^~><"), chart
        assert release["spec"]["install"]["crds"] == "Create"


def test_mongodb_storage_and_retention(manifests):
    if manifests.env.in_cluster_mongodb is None:
        assert not manifests.of_kind("MongoDBCommunity")
        return
    db = manifests.get("MongoDBCommunity", c.MONGODB_NAME, c.MONGODB_NAMESPACE)
    assert db["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/prune"] == "disabled"
    sts = db["spec"]["statefulSet"]["spec"]
    # The operator's merge (pkg/util/merge/merge_statefulset.go, 1.10.0) drops the policy; unset,
    # Kubernetes retains the claims on delete and scale-down.
    assert "persistentVolumeClaimRetentionPolicy" not in sts
    claims = {t["metadata"]["name"]: t["spec"] for t in sts["volumeClaimTemplates"]}
    # The operator's volume names (MongoDBCommunity.DataVolumeName/LogsVolumeName): others would add volumes.
    assert set(claims) == {"data-volume", "logs-volume"}
    assert {claim["storageClassName"] for claim in claims.values()} == {manifests.env.storage.name}
    assert claims["data-volume"]["resources"]["requests"]["storage"] == manifests.env.mongodb.storage_size
    mongod = next(ct for ct in sts["template"]["spec"]["containers"] if ct["name"] == "mongod")
    assert mongod["resources"]["limits"]["memory"] == manifests.env.mongodb.resources.limits.memory
    search = manifests.get("MongoDBSearch", c.MONGODB_NAME, c.MONGODB_NAMESPACE)
    (cluster,) = search["spec"]["clusters"]
    assert cluster["persistence"]["single"] == {
        "storage": manifests.env.mongodb.search_storage_size,
        "storageClass": manifests.env.storage.name,
    }


def test_migration_job_is_named_after_the_backend_version(manifests):
    (job,) = manifests.of_kind("Job")
    tag = manifests.env.backend.image_tag
    assert job["metadata"]["name"] == "migrate-" + tag.replace(".", "-").lower()
    assert manifests.layer_of("Job", job["metadata"]["name"]) == "pre-deploy"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python3", "migrate.py"] and container["image"].endswith(f":{tag}")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_restricted_security_context_on_every_pod(manifests):
    for owner, template in manifests.pod_templates():
        pod = template["spec"]
        where = f"{owner['kind']} {owner['metadata']['name']}"
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert pod["automountServiceAccountToken"] is False, where
        assert not any(pod.get(k) for k in ("hostNetwork", "hostPID", "hostIPC")), where
        for container in containers(template):
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"] == {"drop": ["ALL"]}, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert "resources" in container and container["resources"]["limits"], where


def test_app_pods_run_as_uid_1000_with_writable_tmp(manifests):
    for name in app_deployments(manifests.env):
        pod = manifests.get("Deployment", name)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == 1000
        mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        assert "/tmp" in mounts


def test_network_policies_cover_every_pod(manifests):
    policies = manifests.of_kind("NetworkPolicy")
    namespaces = {o["metadata"]["name"] for o in manifests.of_kind("Namespace")} & {
        c.APP_NAMESPACE,
        c.MONGODB_NAMESPACE,
    }
    assert c.APP_NAMESPACE in namespaces
    for namespace in sorted(namespaces):
        deny = manifests.get("NetworkPolicy", "default-deny", namespace)
        assert deny["spec"]["podSelector"] == {} and set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    for owner, template in manifests.pod_templates():
        namespace = owner["metadata"]["namespace"]
        pod_labels = template["metadata"]["labels"]
        specific = [
            p
            for p in policies
            if p["metadata"]["namespace"] == namespace
            and p["spec"]["podSelector"].get("matchLabels")
            and p["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
        ]
        assert specific, f"no NetworkPolicy selects {owner['kind']} {owner['metadata']['name']}"


def test_only_the_backend_and_frontend_accept_traffic_from_ingress_nginx(manifests):
    from_ingress = set()
    for policy in manifests.of_kind("NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                if (
                    peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
                    == c.INGRESS_NAMESPACE
                ):
                    from_ingress.add(policy["metadata"]["name"])
    solver = {"acme-http01-solver"} if manifests.env.tls else set()  # cert-manager's HTTP-01 challenge
    assert from_ingress == {"frontend", "backend"} | solver


def test_no_plain_text_secrets_and_no_latest_tags(manifests):
    shipped = [o for o in manifests.objects + manifests.flux if o["kind"] == "Secret"]
    assert all(is_sops_encrypted(o) for o in shipped)
    # Exactly the committed SOPS files (a fresh clone has none: docs/bootstrap.md).
    expected = [n for n in secrets_of(manifests.env) if secret_path(REPO, manifests.env.name, n).is_file()]
    assert sorted(o["metadata"]["name"] for o in shipped) == sorted(expected)
    for _owner, template in manifests.pod_templates():
        for container in containers(template):
            image = container["image"]
            assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image


def test_recommended_labels(manifests):
    for owner, _ in manifests.pod_templates():
        labels = owner["metadata"]["labels"]
        assert {"app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"} <= set(labels)
