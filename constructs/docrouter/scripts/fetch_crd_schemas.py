"""Download the CRD JSON schemas the platform's manifests use (needs internet).

Usage: python fetch_crd_schemas.py DEST
Writes DEST/{group}/{kind}_{version}.json, the layout kubeconform and our tests read.
Source: the public CRDs catalog (datreeio/CRDs-catalog, MIT).
"""

import sys
import urllib.request
from pathlib import Path

CATALOG = "https://raw.githubusercontent.com/datreeio/CRDs-catalog/main"
SCHEMAS = [
    "cert-manager.io/clusterissuer_v1.json",
    "cert-manager.io/certificate_v1.json",
    "helm.toolkit.fluxcd.io/helmrelease_v2.json",
    "kustomize.toolkit.fluxcd.io/kustomization_v1.json",
    "notification.toolkit.fluxcd.io/alert_v1beta3.json",
    "notification.toolkit.fluxcd.io/provider_v1beta3.json",
    "source.toolkit.fluxcd.io/gitrepository_v1.json",
    "source.toolkit.fluxcd.io/helmrepository_v1.json",
    "source.toolkit.fluxcd.io/ocirepository_v1.json",
]


def main(dest: str) -> int:
    root = Path(dest)
    for relative in SCHEMAS:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(f"{CATALOG}/{relative}", timeout=30) as response:
            target.write_bytes(response.read())
        print(f"fetched {target}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
