"""`make crds` offline: curl is a stub that records its arguments (tests/stub_tools.py) and answers with
CRDs, or fails as curl does without a network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from docrouter import constants as c
from docrouter_tools import fetch_crds
from stub_tools import StubTools
from test_crd_versions import pins
from test_makefile import make

CURL = "curl --fail --silent --show-error --location --max-time 60"


def crd(group: str, plural: str, kind: str) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {"group": group, "names": {"plural": plural, "kind": kind}, "scope": "Namespaced", "versions": []},
    }


def controller_asset(controller: str, tag: str) -> str:
    return f"https://github.com/fluxcd/{controller}/releases/download/{tag}/{controller}.crds.yaml"


ANSWERS = {
    fetch_crds.FLUX_CRDS.format(version=c.FLUX_VERSION): yaml.safe_dump(
        {"resources": [controller_asset("source-controller", "v1.8.5"), controller_asset("helm-controller", "v1.5.5")]}
    ),
    controller_asset("source-controller", "v1.8.5"): yaml.safe_dump_all(
        [
            crd("source.toolkit.fluxcd.io", "gitrepositories", "GitRepository"),
            crd("source.toolkit.fluxcd.io", "ocirepositories", "OCIRepository"),
        ]
    ),
    controller_asset("helm-controller", "v1.5.5"): yaml.safe_dump(
        crd("helm.toolkit.fluxcd.io", "helmreleases", "HelmRelease")
    ),
    fetch_crds.CERT_MANAGER_CRDS.format(version=c.CERT_MANAGER_CHART.version): yaml.safe_dump(
        crd("cert-manager.io", "clusterissuers", "ClusterIssuer")
    ),
    fetch_crds.MONGODB_CRDS.format(version=c.MONGODB_OPERATOR_CHART.version): "---\n"
    + yaml.safe_dump(crd("mongodbcommunity.mongodb.com", "mongodbcommunity", "MongoDBCommunity")),
}


@pytest.fixture
def curl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StubTools:
    stubs = StubTools(tmp_path, tools=("curl",))
    monkeypatch.setenv("PATH", str(stubs.bin))
    return stubs


def test_the_crds_of_every_pin_are_downloaded_one_per_file(curl: StubTools, tmp_path: Path, capsys) -> None:
    for url, body in ANSWERS.items():
        curl.rule(f"{CURL} {url}", body)
    dest = tmp_path / "crds"
    assert fetch_crds.main(str(dest)) == 0
    assert curl.calls() == [f"{CURL} {url}" for url in ANSWERS]  # the pinned versions, nothing else
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*.yaml"))
    assert files == [
        "cert-manager/cert-manager.io_clusterissuers.yaml",
        "flux/helm.toolkit.fluxcd.io_helmreleases.yaml",
        "flux/source.toolkit.fluxcd.io_gitrepositories.yaml",
        "flux/source.toolkit.fluxcd.io_ocirepositories.yaml",
        "mongodb-kubernetes/mongodbcommunity.mongodb.com_mongodbcommunity.yaml",
    ]
    ocirepositories = yaml.safe_load((dest / "flux/source.toolkit.fluxcd.io_ocirepositories.yaml").read_text())
    assert ocirepositories["spec"]["names"]["kind"] == "OCIRepository"
    # The README heads each set as ../shared/crds's does, so test_crd_versions reads the versions we pin.
    headings = re.findall(r"^## ([\w-]+)/ \(.* (v?[\d.]+)\)$", (dest / "README.md").read_text(), flags=re.M)
    assert dict(headings) == pins()
    assert f"make test CRDS={dest}" in capsys.readouterr().out


def test_offline_it_fails_in_one_line_and_leaves_the_folder_as_it_was(curl: StubTools, tmp_path: Path, capsys) -> None:
    curl.rule("curl", exit=6)  # curl's "could not resolve host"
    dest = tmp_path / "crds"
    (dest / "flux").mkdir(parents=True)
    (dest / "README.md").write_text(fetch_crds.MARKER + "\nearlier download\n")
    assert fetch_crds.main(str(dest)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"make crds: cannot download {fetch_crds.FLUX_CRDS.format(version=c.FLUX_VERSION)}")
    assert "connect to the internet" in err[0]
    assert (dest / "README.md").read_text() == fetch_crds.MARKER + "\nearlier download\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crds", "stub-bin"]  # no partial folder left


def test_a_folder_it_did_not_write_is_refused(curl: StubTools, tmp_path: Path, capsys) -> None:
    shared = tmp_path / "shared-crds"
    shared.mkdir()
    (shared / "README.md").write_text("# CustomResourceDefinitions\n")
    assert fetch_crds.main(str(shared)) == 1
    assert "refusing to replace" in capsys.readouterr().err
    assert curl.calls() == []
    assert [p.name for p in shared.iterdir()] == ["README.md"]


def test_make_crds_passes_the_folder_only_when_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRDS", raising=False)
    _, calls = make(tmp_path, "crds")
    assert calls == [["-m", "docrouter_tools.fetch_crds"]]  # its default: ~/.cache/docrouter/crds
    (tmp_path / "record.jsonl").unlink()
    _, calls = make(tmp_path, "crds", "CRDS=/tmp/my crds;x")
    assert calls == [["-m", "docrouter_tools.fetch_crds", "/tmp/my crds;x"]]


def test_the_default_folder_is_outside_the_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert fetch_crds.default_dest() == tmp_path / ".cache" / "docrouter" / "crds"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fetch_crds.default_dest() == tmp_path / "xdg" / "docrouter" / "crds"
