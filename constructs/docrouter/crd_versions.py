"""Which vendor CRDs the cluster tier installs, and when a pin may differ from them.

The tests install the real CRDs of `CRDS` (../shared/crds, maintained outside the repository; its
README names each set's version). A chart or Flux pin must equal that version, unless SAME_CRDS records,
with a source, that the pinned version's CRDs are identical to the shared set's: then the tests still
describe what the cluster will run. Anything else is a failing test (tests/test_crd_versions.py).
"""

from __future__ import annotations

# (chart or "flux", pinned version) -> (version whose CRDs ../shared/crds holds, source of the equality)
SAME_CRDS: dict[tuple[str, str], tuple[str, str]] = {}

# The heading of each set in ../shared/crds/README.md: "## <folder>/ (<product> <version>)".
SHARED_SETS = {"flux": "flux", "cert-manager": "cert-manager", "mongodb-kubernetes": "mongodb-kubernetes"}
