"""Which vendor CRDs the cluster tier installs, and when a pin may differ from them.

The tests install the real CRDs of `CRDS` (../shared/crds, maintained outside the repository; its
README names each set's version). A chart or Flux pin must equal that version, unless SAME_CRDS records,
with a source, that the pinned version's CRDs have the same schema as the shared set's, or differ only by
fields dist/ does not set: then the tests still describe what the cluster will run. Anything else is a
failing test (tests/test_crd_versions.py). The versions are written out, not read from the pins, so a pin
that moves fails until someone compares its CRDs again.
"""

from __future__ import annotations

from docrouter.constants import CERT_MANAGER_CHART, CHART_CRDS, MONGODB_OPERATOR_CHART

# (chart or "flux", pinned version) -> (version whose CRDs ../shared/crds holds, what the comparison found)
SAME_CRDS: dict[tuple[str, str], tuple[str, str]] = {
    ("cert-manager", "v1.19.6"): ("v1.19.1", CHART_CRDS[CERT_MANAGER_CHART.name]),
    ("mongodb-kubernetes", "1.9.1"): ("1.10.0", CHART_CRDS[MONGODB_OPERATOR_CHART.name]),
}

# The heading of each set in ../shared/crds/README.md: "## <folder>/ (<product> <version>)".
SHARED_SETS = {"flux": "flux", "cert-manager": "cert-manager", "mongodb-kubernetes": "mongodb-kubernetes"}
