"""Bad configuration or unsafe output stops synthesis with one clear message and loses nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_sources, edit_environment
from docrouter.config import ConfigError, load_environment
from docrouter.synthesis.checks import SynthError, check_crd_layering, check_no_plain_secrets, check_unique
from docrouter.synthesis.synth import check_shrink, write_tree

edit = edit_environment


@pytest.mark.parametrize(
    "change, field, words",
    [
        (lambda d: d["backend"].update(replicas=-1), "backend.replicas", "greater than or equal to 1"),
        (lambda d: d["frontend"].update(replicas="two"), "frontend.replicas", "valid integer"),
        (lambda d: d.update(replicsa=3), "replicsa", "remove this field or correct its spelling"),
        (lambda d: d["ingress"].pop("host"), "ingress.host", "add this field"),
        (lambda d: d["frontend"].update(image_tag="latest"), "frontend.image_tag", "published doc-router release tag"),
        (lambda d: d["mongodb"].pop("storage_size"), "mongodb.storage_size", "add this field"),
        (lambda d: d["ingress"].update(tls_issuer="letsencrypt"), "ingress.tls_issuer", "letsencrypt-prod"),
    ],
)
def test_config_errors_name_environment_field_and_fix(env_dir, change, field, words):
    edit(env_dir, "staging", change)
    with pytest.raises(ConfigError) as caught:
        load_environment("staging", env_dir)
    message = str(caught.value)
    assert "environment 'staging'" in message and f"field '{field}'" in message and "Fix:" in message
    assert words in message


def test_unknown_environment_lists_the_known_ones(env_dir):
    with pytest.raises(
        ConfigError,
        match=r"environment .prod.: unknown environment \(did you mean .production.\?\) \(known: kind, production",
    ):
        load_environment("prod", env_dir)


def test_autoscaling_bounds_are_checked(env_dir):
    edit(env_dir, "production", lambda d: d["backend"]["autoscaling"].update(max_replicas=1))
    with pytest.raises(ConfigError, match="max_replicas .1. is below replicas .2."):
        load_environment("production", env_dir)


def obj(kind, name, namespace=None, api_version="v1", **body):
    meta = {"name": name} | ({"namespace": namespace} if namespace else {})
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, **body}


def test_duplicate_objects_are_refused():
    layered = {
        "apps": [obj("Service", "backend", "doc-router")],
        "pre-deploy": [obj("Service", "backend", "doc-router")],
    }
    with pytest.raises(SynthError, match="more than one object named Service doc-router/backend"):
        check_unique("kind", layered)


def test_plain_secret_is_refused():
    with pytest.raises(SynthError, match="environment 'kind': Secret doc-router/s has plain-text data"):
        check_no_plain_secrets("kind", [obj("Secret", "s", "doc-router", data={"k": "dmFsdWU="})])
    check_no_plain_secrets("kind", [obj("Secret", "s", "doc-router")])  # no values: nothing to leak


def test_a_plain_secret_in_clusters_is_refused_too(monkeypatch):
    import docrouter.synthesis.synth as synth

    leaked = obj("Secret", "slack-webhook", "flux-system", stringData={"address": "https://hooks.slack.com/x"})
    monkeypatch.setattr(synth.FluxChart, "rendered", lambda self: {"slack-webhook.yaml": leaked})
    with pytest.raises(SynthError, match="environment 'staging': Secret flux-system/slack-webhook has plain-text data"):
        synth.render_clusters(load_environment("staging"), {})


def test_custom_resource_in_the_layer_of_its_crd_installer_is_refused():
    issuer = obj("ClusterIssuer", "letsencrypt-prod", api_version="cert-manager.io/v1")
    release = obj("HelmRelease", "cert-manager", "cert-manager", api_version="helm.toolkit.fluxcd.io/v2")
    with pytest.raises(SynthError, match="its CRD is installed by HelmRelease cert-manager"):
        check_crd_layering("kind", {"infrastructure/controllers": [release, issuer]})
    check_crd_layering("kind", {"infrastructure/controllers": [release], "infrastructure/configs": [issuer]})


def test_credentials_in_a_config_map_are_refused():
    from docrouter.synthesis.checks import check_configmaps_hold_no_credentials

    for data in ({"OPENAI_API_KEY": "x"}, {"MONGODB_URI": "mongodb://root:hunter2@db:27017"}):
        with pytest.raises(SynthError, match="looks like a credential"):
            check_configmaps_hold_no_credentials("kind", [obj("ConfigMap", "c", "doc-router", data=data)])


def test_shrinking_an_environment_needs_allow_shrink(tmp_path):
    target = tmp_path / "staging"
    write_tree(target, {f"apps/doc-router/o{i}.yaml": "x" for i in range(10)})
    few = {"apps/doc-router/o1.yaml": "x", "apps/kustomization.yaml": "k"}
    with pytest.raises(SynthError, match="from 10 to 1 objects.*ALLOW_SHRINK=1"):
        check_shrink("staging", target, few, allow_shrink=False)
    check_shrink("staging", target, few, allow_shrink=True)


def fresh_copy(tmp_path: Path) -> Path:
    """The repository's committed sources in a new folder, as a fresh clone would have them."""
    return copy_sources(tmp_path / "clone")


def run_main(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "main.py", *args], cwd=root, env=env, capture_output=True, text=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_python_main_py_in_a_fresh_copy_reproduces_committed_dist(tmp_path):
    root = fresh_copy(tmp_path)
    before = snapshot(root / "dist") | {f"clusters/{k}": v for k, v in snapshot(root / "clusters").items()}
    result = run_main(root, "synth")
    assert result.returncode == 0, result.stderr
    after = snapshot(root / "dist") | {f"clusters/{k}": v for k, v in snapshot(root / "clusters").items()}
    assert after == before
    assert "synthesized" in result.stdout and "Traceback" not in result.stderr


def test_bad_config_leaves_dist_untouched(tmp_path):
    root = fresh_copy(tmp_path)
    before = snapshot(root / "dist")
    production = root / "environments/production.yaml"
    production.write_text(production.read_text().replace("replicas: 2\n", "replicas: -2\n", 1))
    result = run_main(root, "synth")
    assert result.returncode == 1
    assert "environment 'production'" in result.stderr and "replicas" in result.stderr
    assert "dist/ was left unchanged" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(root / "dist") == before


def test_one_environment_only(tmp_path):
    root = fresh_copy(tmp_path)
    shutil.rmtree(root / "dist/staging")
    result = run_main(root, "synth", "--env", "staging")
    assert result.returncode == 0, result.stderr
    assert snapshot(root / "dist/staging") == snapshot(REPO / "dist/staging")


def test_credential_guard_stays_linear_on_long_values():
    import time

    from docrouter.synthesis.checks import check_configmaps_hold_no_credentials

    urls = ",".join(f"https://user{i}:token{i}" for i in range(60_000))  # 2 MB of "://user:pass" without "@"
    started = time.monotonic()
    check_configmaps_hold_no_credentials("kind", [obj("ConfigMap", "c", "doc-router", data={"CORS": urls})])
    assert time.monotonic() - started < 2
    with pytest.raises(SynthError, match="key 'CORS' looks like a credential"):
        leaked = urls + ",mongodb://root:hunter2@db:27017"
        check_configmaps_hold_no_credentials("kind", [obj("ConfigMap", "c", "doc-router", data={"CORS": leaked})])


def test_a_foreign_file_in_clusters_in_any_encoding_is_left_alone(tmp_path):
    from docrouter.paths import GENERATED_BY
    from docrouter.synthesis.synth import write_generated_files

    folder = tmp_path / "clusters" / "staging"
    folder.mkdir(parents=True)
    (folder / "notes.yaml").write_bytes(b"# caf\xe9 (latin-1, not ours)\n")
    (folder / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    (folder / "old-layer.yaml").write_text(f"{GENERATED_BY}\nkind: Kustomization\n")
    write_generated_files(folder, {"apps.yaml": f"{GENERATED_BY}\nkind: Kustomization\n"})
    assert sorted(p.name for p in folder.iterdir()) == ["apps.yaml", "dangling.yaml", "notes.yaml"]


# --- An unchanged environment is not rewritten --------------------------------------------------

TREE = {"apps/kustomization.yaml": "resources: [a.yaml]\n", "apps/doc-router/a.yaml": "kind: ConfigMap\n"}


def test_an_identical_tree_is_left_as_it_is(tmp_path):
    target = tmp_path / "kind"
    write_tree(target, TREE)
    before = {p: p.stat().st_mtime_ns for p in target.rglob("*")}
    os.utime(target / "apps/doc-router/a.yaml", ns=(1, 1))  # any rewrite would change this
    write_tree(target, TREE)
    assert (target / "apps/doc-router/a.yaml").stat().st_mtime_ns == 1
    assert set(before) == set(target.rglob("*"))


@pytest.mark.parametrize(
    "damage",
    ["edit", "extra file", "extra folder", "missing file", "symlink"],
)
def test_any_difference_rewrites_the_whole_tree(tmp_path, damage):
    target = tmp_path / "kind"
    write_tree(target, TREE)
    a = target / "apps/doc-router/a.yaml"
    if damage == "edit":
        a.write_text("kind: Secret\n")
    elif damage == "extra file":
        (target / "apps/stray.yaml").write_text("x")
    elif damage == "extra folder":
        (target / "apps/empty").mkdir()
    elif damage == "missing file":
        a.unlink()
    else:
        a.unlink()
        a.symlink_to(tmp_path / "elsewhere.yaml")
        (tmp_path / "elsewhere.yaml").write_text(TREE["apps/doc-router/a.yaml"])
    write_tree(target, TREE)
    assert snapshot(target) == {path: text.encode() for path, text in TREE.items()}
    assert not a.is_symlink() and not (target / "apps/empty").exists()
