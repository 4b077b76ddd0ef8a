"""`make validate`: one fixture folder per rule (tests/fixtures/validate/<rule>/), each a minimal broken set."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from docrouter.config import load_environment
from docrouter_tools.validate.engine import validate_environment
from docrouter_tools.validate.model import ERROR, EXEMPT, INFO, WARNING

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
KIND = load_environment("kind")


def findings_of(root: Path, severity: str = ERROR) -> set[tuple[str, str]]:
    return {
        (f.rule, f.object or f.where)
        for f in validate_environment(root, KIND, with_drift=False)
        if f.severity == severity
    }


# fixture folder → the exact (rule id, object or file[#document]) errors it must produce, and nothing else
BROKEN = {
    "parse-invalid-yaml": {("parse/invalid-yaml", "dist/kind/apps/demo/broken.yaml")},
    "parse-yaml-alias": {("parse/yaml-alias", "dist/kind/apps/demo/bomb.yaml")},
    "parse-duplicate-key": {("parse/duplicate-key", "dist/kind/apps/demo/configmap-dup.yaml")},
    "parse-list-kind": {("parse/list-kind", "dist/kind/apps/demo/list.yaml#0")},
    "parse-missing-field": {("parse/missing-field", "dist/kind/apps/demo/nameless.yaml#0")},
    "parse-missing-namespace": {("parse/missing-namespace", "dist/kind/apps/demo/configmap-loose.yaml#0")},
    "parse-not-an-object": {("parse/not-an-object", "dist/kind/apps/demo/scalar.yaml#0")},
    "schema-unknown-field": {("schema/unknown-field", "Service demo/web")},
    "schema-invalid": {("schema/invalid", "Service demo/web")},
    "schema-no-schema": {("schema/no-schema", "Deployment demo/web")},
    "unique-duplicate": {("unique/duplicate", "ConfigMap demo/settings")},
    "ref-service-selector": {("ref/service-selector", "Service demo/web")},
    "ref-ingress-backend": {("ref/ingress-backend", "Ingress demo/web")},
    "ref-configmap": {("ref/configmap", "Deployment demo/web")},
    "ref-secret": {("ref/secret", "Deployment demo/web")},
    "ref-storage-class": {("ref/storage-class", "PersistentVolumeClaim demo/data")},
    "ref-pdb-selector": {("ref/pdb-selector", "PodDisruptionBudget demo/web")},
    "ref-networkpolicy-selector": {("ref/networkpolicy-selector", "NetworkPolicy demo/web")},
    "ref-hpa-target": {("ref/hpa-target", "HorizontalPodAutoscaler demo/web")},
    "ref-cluster-issuer": {("ref/cluster-issuer", "Ingress demo/web")},
    "ref-kustomize-resource": {("ref/kustomize-resource", "dist/kind/apps/kustomization.yaml")},
    "ref-kustomize-unlisted": {("ref/kustomize-unlisted", "dist/kind/apps/demo/configmap-forgotten.yaml")},
    "ref-flux-depends-on": {("ref/flux-depends-on", "Kustomization flux-system/apps")},
    "ref-flux-cycle": {("ref/flux-depends-on", "Kustomization flux-system/apps")},
    "ref-flux-path": {("ref/flux-path", "Kustomization flux-system/apps")},
    "policy-pod-security": {("policy/pod-security", "Deployment demo/web")},
    "policy-resources": {("policy/resources", "Deployment demo/web")},
    "policy-readiness-probe": {("policy/readiness-probe", "Deployment demo/web")},
    "policy-image-tag": {("policy/image-tag", "Deployment demo/web")},
    "policy-max-unavailable": {("policy/max-unavailable", "Deployment demo/web")},
    "policy-plain-secret": {("policy/plain-secret", "Secret demo/api-token")},
    "exemption-without-reason": {
        ("policy/image-tag", "Deployment demo/web"),
        ("policy/exemption", "Deployment demo/web"),
    },
}


def test_every_fixture_folder_is_covered():
    assert {p.name for p in FIXTURES.iterdir()} == set(BROKEN) | {
        "exemption-honoured",
        "parse-empty-document",
        "sops-secret-present",
    }


@pytest.mark.parametrize("fixture", sorted(BROKEN))
def test_fixture_reports_exactly_its_rule(fixture):
    assert findings_of(FIXTURES / fixture) == BROKEN[fixture]


def test_flux_cycle_names_the_chain():
    messages = [f.message for f in validate_environment(FIXTURES / "ref-flux-cycle", KIND, with_drift=False)]
    assert any("cycle: apps -> infra -> apps" in m for m in messages), messages


def test_reasoned_exemption_is_listed_not_failed():
    root = FIXTURES / "exemption-honoured"
    assert findings_of(root) == set()
    assert findings_of(root, EXEMPT) == {("policy/image-tag", "Deployment demo/web")}
    (exempt,) = [f for f in validate_environment(root, KIND, with_drift=False) if f.severity == EXEMPT]
    assert "upstream publishes only latest" in exempt.message


def test_empty_document_is_a_warning_naming_its_index():
    root = FIXTURES / "parse-empty-document"
    assert findings_of(root) == set()
    assert ("parse/empty-document", "dist/kind/apps/demo/configmap-empty.yaml#0") in findings_of(root, WARNING)


def test_sops_file_satisfies_a_secret_reference_and_passes_schema():
    assert findings_of(FIXTURES / "sops-secret-present") == set()


def test_declared_external_secret_is_info(tmp_path):
    root = FIXTURES / "ref-secret"
    assert ("ref/secret", "Deployment demo/web") in findings_of(root)
    infos = findings_of(REPO, INFO)
    assert ("ref/secret", "Secret doc-router/doc-router-secrets") in infos
