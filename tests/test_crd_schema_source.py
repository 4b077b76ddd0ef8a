"""No CRD schema source is an error that says how to get one (never a silent pass); `make crd-schemas`
writes all or nothing, only under .cache/, and fails in one line offline (issue 24)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_sources

SHARED = REPO.parent / "shared"
SCRIPT = "constructs/docrouter/scripts/fetch_crd_schemas.py"


def run(root: Path, *args: str, crd_schemas: str | None) -> subprocess.CompletedProcess:
    # ALLOW_OUTSIDE_REPO: these synths write into the test's own temporary folder.
    env = {k: v for k, v in os.environ.items() if k != "CRD_SCHEMAS"} | {"ALLOW_OUTSIDE_REPO": "1"}
    if crd_schemas is not None:
        env["CRD_SCHEMAS"] = crd_schemas
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def lone_checkout(tmp_path_factory) -> Path:
    """A checkout with no .cache/crd-schemas and no shared folder beside it."""
    return copy_sources(tmp_path_factory.mktemp("lone") / "repo")


def test_synth_without_a_schema_source_fails_in_one_line_saying_how_to_get_one(lone_checkout):
    before = sorted((lone_checkout / "dist").rglob("*")) if (lone_checkout / "dist").exists() else []
    result = run(lone_checkout, "main.py", "synth", "--env", "kind", crd_schemas=None)
    assert result.returncode == 1
    assert (sorted((lone_checkout / "dist").rglob("*")) if (lone_checkout / "dist").exists() else []) == before
    failure = [line for line in result.stderr.splitlines() if line.startswith("synth failed")]
    assert len(failure) == 1 and "Traceback" not in result.stderr
    assert (
        "make crd-schemas" in failure[0] and "shared schemas folder" in failure[0] and "CRD_SCHEMAS=skip" in failure[0]
    )


def test_skip_is_an_explicit_opt_out(lone_checkout, tmp_path):
    result = run(lone_checkout, "main.py", "synth", "--env", "kind", "--out", str(tmp_path / "o"), crd_schemas="skip")
    assert result.returncode == 0, result.stderr


def test_the_shared_folder_beside_the_checkout_is_found_without_a_variable(tmp_path):
    if not (SHARED / "schemas").is_dir():
        pytest.skip("no shared folder beside this checkout")
    root = copy_sources(tmp_path / "repo")
    (tmp_path / "shared").symlink_to(SHARED)
    result = run(root, "main.py", "synth", "--env", "kind", "--out", str(tmp_path / "o"), crd_schemas=None)
    assert result.returncode == 0, result.stderr


def test_crd_schemas_offline_fails_in_one_line_and_writes_nothing(lone_checkout):
    cache = lone_checkout / ".cache/crd-schemas"
    cache.mkdir(parents=True)
    (cache / "kept.json").write_text("{}")
    before = sorted(p.name for p in (lone_checkout / ".cache").iterdir())  # e.g. synth's locks: not ours
    env = {**os.environ, "https_proxy": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    result = subprocess.run(
        [sys.executable, SCRIPT, ".cache/crd-schemas"], cwd=lone_checkout, capture_output=True, text=True, env=env
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("make crd-schemas: cannot download ")
    assert sorted(p.name for p in (lone_checkout / ".cache").iterdir()) == before  # no partial folder
    assert [p.name for p in cache.iterdir()] == ["kept.json"]


@pytest.mark.parametrize("dest", ["../shared/schemas", "/tmp/elsewhere", ".cache"])
def test_crd_schemas_never_writes_outside_the_checkouts_cache(lone_checkout, dest):
    result = subprocess.run([sys.executable, SCRIPT, dest], cwd=lone_checkout, capture_output=True, text=True)
    assert result.returncode == 1 and result.stderr.startswith("make crd-schemas: refusing to write ")
    assert not (lone_checkout.parent / "shared").exists()


def test_the_mongodb_schemas_are_converted_exactly_as_the_shared_folder_holds_them():
    crds, schemas = SHARED / "crds/mongodb-kubernetes", SHARED / "schemas"
    if not crds.is_dir() or not schemas.is_dir():
        pytest.skip("no shared folder beside this checkout")
    spec = importlib.util.spec_from_file_location("fetch_crd_schemas", REPO / SCRIPT)
    assert spec and spec.loader
    fetch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fetch)
    for crd_file, relative in fetch.CONVERTED:
        version = relative.rsplit("_", 1)[1].removesuffix(".json")
        converted = fetch.schemas_of_crd((crds / crd_file).read_text())[version]
        assert json.loads(converted) == json.loads((schemas / relative).read_text()), relative
