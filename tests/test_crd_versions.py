"""The real CRDs the cluster tier installs (CRDS, ../shared/crds) are those of the versions we pin."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import REPO
from docrouter import constants
from docrouter.crd_versions import SAME_CRDS, SHARED_SETS

CRDS = Path(os.environ.get("CRDS") or REPO.parent / "shared" / "crds")


def shared_versions() -> dict[str, str]:
    readme = CRDS / "README.md"
    if not readme.is_file():
        pytest.skip(f"no {readme}: set CRDS to the shared CRD folder")
    headings = re.findall(r"^## ([\w-]+)/ \(.* (v?[\d.]+)\)$", readme.read_text(), flags=re.M)
    return {folder: version for folder, version in headings}


def pins() -> dict[str, str]:
    found = {
        "cert-manager": constants.CERT_MANAGER_CHART.version,
        "mongodb-kubernetes": constants.MONGODB_OPERATOR_CHART.version,
    }
    flux = getattr(constants, "FLUX_VERSION", None)  # pinned by the currency work (issue 19)
    if flux:
        found["flux"] = flux
    return found


def test_the_shared_readme_names_every_set() -> None:
    assert set(shared_versions()) == set(SHARED_SETS.values())


@pytest.mark.parametrize("name", ["cert-manager", "mongodb-kubernetes", "flux"])
def test_a_pin_matches_the_crds_the_tests_install(name: str) -> None:
    shared = shared_versions()[SHARED_SETS[name]]
    pinned = pins().get(name)
    if pinned is None:
        pytest.skip(f"{name}: no version is pinned in docrouter.constants")
    if pinned.lstrip("v") == shared.lstrip("v"):
        return
    same, source = SAME_CRDS.get((name, pinned), ("", ""))
    assert same.lstrip("v") == shared.lstrip("v") and source, (
        f"{name}: docrouter.constants pins {pinned} but {CRDS} holds the CRDs of {shared}. Fix: move "
        f"../shared/crds/{SHARED_SETS[name]} to {pinned} (`make crds` when online), or record in "
        f"docrouter/crd_versions.py SAME_CRDS, with a source, that {pinned}'s CRDs equal {shared}'s"
    )
