"""Bad input never crashes `make validate`: each case is one finding naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from docrouter.config import load_environment
from docrouter_tools.validate.engine import validate_environment
from docrouter_tools.validate.loading import MAX_FILE_BYTES

KIND = load_environment("kind")
APPS = Path("dist/kind/apps/demo")


def errors_for(tmp_path: Path, name: str, content: bytes) -> set[tuple[str, str]]:
    path = tmp_path / APPS / name
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    return {(f.rule, f.where) for f in validate_environment(tmp_path, KIND, with_drift=False) if f.severity == "error"}


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "parse/binary"),
        ("kind: ConfigMap\nmetadata: {name: caf\u00e9}\n".encode("latin-1"), "parse/encoding"),
        (b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "parse/yaml-alias"),
        (b"[" * 5000 + b"]" * 5000, "parse/invalid-yaml"),
        (b"apiVersion: v1\nkind: List\nitems: []\n", "parse/list-kind"),
        (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: demo}\ndata: [1, 2]\n", "schema/invalid"),
    ],
    ids=["binary", "non-utf8", "yaml-bomb", "deep-nesting", "kind-list", "wrong-shape"],
)
def test_bad_file_is_one_finding(tmp_path, content, rule):
    found = errors_for(tmp_path, "bad.yaml", content)
    assert {r for r, _ in found} == {rule}
    assert all(where.startswith(f"{APPS}/bad.yaml") for _, where in found)


def test_enormous_file_is_rejected_before_reading(tmp_path):
    content = b"# padding\n" * (MAX_FILE_BYTES // 10 + 1)
    assert errors_for(tmp_path, "huge.yaml", content) == {("parse/too-large", f"{APPS}/huge.yaml")}


def test_odd_shapes_do_not_crash_reference_checks(tmp_path):
    deployment = (
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: demo}\n"
        b"spec: {selector: {matchLabels: {app: web}}, template: {spec: {containers: [oops], volumes: 7}}}\n"
    )
    found = errors_for(tmp_path, "deployment-web.yaml", deployment)
    assert {rule for rule, _ in found} <= {"schema/invalid", "internal/check-failed"}
    assert "schema/invalid" in {rule for rule, _ in found}
