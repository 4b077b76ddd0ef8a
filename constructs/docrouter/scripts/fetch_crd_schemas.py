"""Download the CRD JSON schemas the platform's manifests use (needs internet): `make crd-schemas`.

Usage: python fetch_crd_schemas.py DEST   (the Makefile passes .cache/crd-schemas)
Writes DEST/{group}/{kind}_{version}.json, the layout kubeconform and our tests read, all or nothing:
everything is downloaded into a temporary folder beside DEST first, which then replaces DEST. Refuses a
DEST outside this checkout's .cache/ (never the team's shared folder). Offline, it fails in one line.
Sources: the public CRDs catalog (datreeio/CRDs-catalog, MIT) for Flux and cert-manager; MongoDB's
operator CRDs (mongodb/mongodb-kubernetes tag 1.10.0, helm_chart/crds/, Apache-2.0), which the catalog
lacks (MongoDBSearch) or has older, converted with the catalog's own rules (Utilities/openapi2jsonschema.py:
`additionalProperties: false` on every object with properties but the root, int-or-string as oneOf) --
the same bytes as the team's shared folder (../shared/schemas, see its README).
"""

import json
import shutil
import sys
import tempfile
import urllib.error
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
# (CRD file in the operator's repository, schema path written) -- the operator version the platform runs.
MONGODB_CRDS = "https://raw.githubusercontent.com/mongodb/mongodb-kubernetes/1.10.0/helm_chart/crds"
CONVERTED = [
    ("mongodbcommunity.mongodb.com_mongodbcommunity.yaml", "mongodbcommunity.mongodb.com/mongodbcommunity_v1.json"),
    ("mongodb.com_mongodbsearch.yaml", "mongodb.com/mongodbsearch_v1.json"),
]
CACHE = Path(__file__).resolve().parents[3] / ".cache"
PROGRAM = "make crd-schemas"


def strict_schema(node: object, root: bool = True) -> object:
    """openapi2jsonschema's rules: objects with properties refuse unknown fields (the root too is made
    strict by docrouter/schemas.py when read), and int-or-string becomes oneOf string/integer."""
    if isinstance(node, list):
        return [strict_schema(item, False) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strict_schema(value, False) for key, value in node.items()}
    if not root and isinstance(out.get("properties"), dict):
        out.setdefault("additionalProperties", False)
    if out.get("format") == "int-or-string":
        out.pop("format")
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    return out


def schemas_of_crd(text: str) -> dict[str, str]:
    """{version: JSON schema text} of one CRD (YAML), indented 2 like the catalog's files."""
    import yaml  # the venv's PyYAML (make crd-schemas runs under .venv/bin/python)

    crd = yaml.safe_load(text)
    return {
        version["name"]: json.dumps(strict_schema(version["schema"]["openAPIV3Schema"]), indent=2)
        for version in crd["spec"]["versions"]
    }


def download(relative: str, base: str = CATALOG) -> bytes:
    url = f"{base}/{relative}"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise SystemExit(
            f"{PROGRAM}: cannot download {url}: {reason}. Fix: connect to the internet and run it again, or point "
            "CRD_SCHEMAS at the team's shared schemas folder (e.g. ../shared/schemas). Nothing was written."
        ) from None


def replace_folder(root: Path, complete: Path) -> None:
    """complete (a folder beside root, fully written) becomes root; the old root goes only then."""
    old = root.with_name(f".{root.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if root.exists():
        root.rename(old)
    complete.rename(root)
    shutil.rmtree(old, ignore_errors=True)


def main(dest: str) -> int:
    root = Path(dest).resolve()
    if not root.is_relative_to(CACHE) or root == CACHE:
        sys.exit(
            f"{PROGRAM}: refusing to write {dest}: schemas are downloaded only under {CACHE}/ (never a shared folder)."
        )
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.partial-", dir=root.parent))
    try:
        for relative in SCHEMAS:
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(download(relative))
            print(f"fetched {relative}", file=sys.stderr)
        for crd_file, relative in CONVERTED:
            version = relative.rsplit("_", 1)[1].removesuffix(".json")
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                schemas_of_crd(download(crd_file, MONGODB_CRDS).decode("utf-8"))[version], encoding="utf-8"
            )
            print(f"converted {relative}", file=sys.stderr)
        replace_folder(root, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"{PROGRAM}: wrote {len(SCHEMAS) + len(CONVERTED)} schemas to {root}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
