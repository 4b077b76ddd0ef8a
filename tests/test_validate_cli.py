"""`python main.py validate` on the real repository, its JSON report, drift and CRD schemas."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENVIRONMENTS, REPO
from docrouter.config import load_environment
from docrouter.layers import LAYERS
from docrouter_tools.validate.engine import validate_environment
from stub_tools import run_in_process

SHARED_SCHEMAS = REPO.parent / "shared" / "schemas"


def run_validate(
    *args: str, crd_schemas: str | None = None, subprocess_run: bool = False
) -> subprocess.CompletedProcess:
    """validate in-process, or as the real `python main.py validate` (test_real_repository_passes)."""
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    if crd_schemas is not None:
        env["CRD_SCHEMAS"] = crd_schemas
    if not subprocess_run:
        return run_in_process(["validate", *args], env)
    return subprocess.run(
        [sys.executable, str(REPO / "main.py"), "validate", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_real_repository_passes():
    result = run_validate(subprocess_run=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # Passing: exactly one summary line per environment; the warnings and infos only with -v.
    lines = result.stdout.splitlines()
    assert [line.split(" (")[0] for line in lines] == [f"== {env}: OK" for env in ENVIRONMENTS], result.stdout
    verbose = run_validate("-v", "--no-drift")
    assert verbose.returncode == 0 and len(verbose.stdout.splitlines()) > len(lines)


def test_json_report_shape():
    result = run_validate("-o", "json", "--env", "kind", crd_schemas="skip")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"] is True and report["errors"] == 0
    kind = report["environments"]["kind"]
    assert set(kind["counts"]) == {"error", "warning", "exempt", "info"}
    finding = kind["findings"][0]
    assert set(finding) == {"severity", "rule", "object", "file", "message", "fix", "document"}
    skipped = [f for f in kind["findings"] if f["rule"] == "schema/crd-skipped"]
    assert skipped and skipped[0]["severity"] == "warning"  # the user's explicit choice
    assert "skipped: CRD_SCHEMAS=skip" in skipped[0]["message"]


def test_a_missing_crd_schema_folder_is_an_error_that_says_how_to_get_one():
    result = run_validate("-o", "json", "--env", "kind", "--no-drift", crd_schemas="/nonexistent/schemas")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["ok"] is False
    missing = [f for f in report["environments"]["kind"]["findings"] if f["rule"] == "schema/crd-skipped"]
    assert missing and missing[0]["severity"] == "error"
    assert "CRD_SCHEMAS=/nonexistent/schemas is not a folder" in missing[0]["message"]
    assert "make crd-schemas" in missing[0]["fix"] and "shared" in missing[0]["fix"]


def test_broken_fixture_exits_1_with_one_line_per_finding():
    root = REPO / "tests" / "fixtures" / "validate" / "ref-service-selector"
    result = run_validate("--root", str(root), "--env", "kind", "--no-drift")
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if line.strip().startswith("ERROR")]
    assert "ref/service-selector" in line and "Service demo/web" in line and "Fix:" in line


def test_hand_edits_in_dist_and_clusters_are_drift(tmp_path):
    shutil.copytree(REPO / "dist" / "kind", tmp_path / "dist" / "kind")
    shutil.copytree(REPO / "clusters" / "kind", tmp_path / "clusters" / "kind")
    apps_layer = tmp_path / "clusters" / "kind" / "apps.yaml"
    apps_layer.write_text(apps_layer.read_text().replace("wait: true", "wait: false"))
    apps = tmp_path / "dist" / "kind" / "apps" / "doc-router"
    service = apps / "service-frontend.yaml"
    service.write_text(service.read_text().replace("port: 3000", "port: 3001"))
    (apps / "deployment-worker.yaml").unlink()
    (apps / "configmap-extra.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: doc-router}\n"
    )
    drift = {
        (f.rule, f.file)
        for f in validate_environment(tmp_path, load_environment("kind"))
        if f.rule.startswith("drift/")
    }
    assert drift == {
        ("drift/changed", "dist/kind/apps/doc-router/service-frontend.yaml"),
        ("drift/removed", "dist/kind/apps/doc-router/deployment-worker.yaml"),
        ("drift/added", "dist/kind/apps/doc-router/configmap-extra.yaml"),
        ("drift/changed", "clusters/kind/apps.yaml"),
    }


def test_the_command_finds_drift_through_its_background_synth(tmp_path):
    """`main.py validate` compares with a synth run in its own process (the in-process path is tested above)."""
    shutil.copytree(REPO / "dist" / "kind", tmp_path / "dist" / "kind")
    shutil.copytree(REPO / "clusters" / "kind", tmp_path / "clusters" / "kind")
    service = tmp_path / "dist/kind/apps/doc-router/service-frontend.yaml"
    service.write_text(service.read_text().replace("port: 3000", "port: 3001"))
    result = run_validate("--root", str(tmp_path), "--env", "kind", "-o", "json")
    drift = [f for f in json.loads(result.stdout)["environments"]["kind"]["findings"] if f["rule"].startswith("drift/")]
    assert result.returncode == 1
    assert [(f["rule"], f["file"]) for f in drift] == [
        ("drift/changed", "dist/kind/apps/doc-router/service-frontend.yaml")
    ]
    assert "from line" in drift[0]["message"]


class FailedSynth:
    """A background synth that failed (e.g. one environment's constructs raise)."""

    def __init__(self, checkout: Path, envs: tuple[str, ...] = ()) -> None:
        pass

    def __enter__(self) -> FailedSynth:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def tree(self) -> dict[str, bytes]:
        from docrouter.synthesis.background import SynthFailed

        raise SynthFailed("synth in . failed:\nenvironment 'kind': ...")


def test_a_failed_background_synth_is_reported_against_the_environment(monkeypatch):
    import docrouter_tools.validate.cli as validate_cli
    import docrouter_tools.validate.drift as drift

    def render(env):
        raise ValueError(f"environment '{env.name}': layer 'apps': Deployment doc-router/x: boom")

    monkeypatch.setattr(validate_cli, "BackgroundSynth", FailedSynth)
    monkeypatch.setattr(drift, "_render", render)
    result = run_validate("--env", "kind", "-o", "json")
    findings = json.loads(result.stdout)["environments"]["kind"]["findings"]
    failed = [f for f in findings if f["rule"] == "drift/synth-failed"]
    assert result.returncode == 1 and len(failed) == 1
    assert "environment 'kind'" in failed[0]["message"] and "boom" in failed[0]["message"]


def kind_errors_with_crd_schemas(root: Path, monkeypatch: pytest.MonkeyPatch) -> set[tuple[str, str]]:
    monkeypatch.setenv("CRD_SCHEMAS", str(SHARED_SCHEMAS))
    findings = validate_environment(root, load_environment("kind"), with_drift=False)
    return {(f.rule, f.object) for f in findings if f.severity == "error"}


@pytest.mark.skipif(not SHARED_SCHEMAS.is_dir(), reason="no CRD schemas beside the checkout")
def test_custom_resources_are_checked_strictly_against_crd_schemas(tmp_path, monkeypatch):
    shutil.copytree(REPO / "dist" / "kind", tmp_path / "dist" / "kind")
    database = tmp_path / "dist/kind/database/mongodb/mongodbcommunity-mongodb.yaml"
    database.write_text(database.read_text().replace("  members:", "  memebers:"))
    release = tmp_path / "dist/kind/infrastructure/controllers/ingress-nginx/helmrelease-ingress-nginx.yaml"
    release.write_text(
        release.read_text().replace(
            "apiVersion: helm.toolkit.fluxcd.io/v2", "apiVersion: helm.toolkit.fluxcd.io/v2beta9"
        )
    )
    assert kind_errors_with_crd_schemas(tmp_path, monkeypatch) == {
        ("schema/unknown-field", "MongoDBCommunity mongodb/mongodb"),
        ("schema/no-schema", "HelmRelease ingress-nginx/ingress-nginx"),
    }


@pytest.mark.skipif(not SHARED_SCHEMAS.is_dir(), reason="no CRD schemas beside the checkout")
def test_flux_kustomizations_with_oci_source_map_paths_into_dist(tmp_path, monkeypatch):
    """Kind's Kustomizations name ./apps inside an OCIRepository artifact of dist/kind."""
    shutil.copytree(REPO / "dist" / "kind", tmp_path / "dist" / "kind")
    clusters = tmp_path / "clusters" / "kind"
    clusters.mkdir(parents=True)
    # Kind's layers, in order: the ones dist/kind holds (it has no infrastructure/configs).
    layers = [(layer.name, layer.path) for layer in LAYERS if (REPO / "dist/kind" / layer.path).is_dir()]
    for index, (name, path) in enumerate(layers):
        depends = f"  dependsOn:\n  - name: {layers[index - 1][0]}\n" if index else ""
        (clusters / f"{name}.yaml").write_text(
            f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n"
            f"  namespace: flux-system\nspec:\n  interval: 10m\n"
            f"  sourceRef:\n    kind: OCIRepository\n    name: doc-router\n"
            f"  path: ./{path}\n  prune: true\n{depends}"
            "  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n"
        )
    (clusters / "source.yaml").write_text(
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\n"
        "metadata:\n  name: doc-router\n  namespace: flux-system\n"
        "spec:\n  interval: 1m\n  url: oci://kind-registry:5000/doc-router\n  ref:\n    tag: local\n  insecure: true\n"
    )
    assert kind_errors_with_crd_schemas(tmp_path, monkeypatch) == set()
    infos = {f.object for f in validate_environment(tmp_path, load_environment("kind"), with_drift=False)}
    assert "Secret flux-system/sops-age" in infos
