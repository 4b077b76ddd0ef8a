"""`make crds`: download the real CRDs of the versions we pin, laid out as ../shared/crds (needs internet).

Usage: python -m docrouter_tools.fetch_crds [DEST]   (default: ~/.cache/docrouter/crds, as the Makefile's CRDS)
DEST/<set>/<group>_<plural>.yaml, one CRD per file, and a README.md whose headings name each set's
version the way ../shared/crds/README.md does, so tests/test_crd_versions.py and the cluster tier read it
(`make test CRDS=DEST`). Written all or nothing: into a folder beside DEST, which then replaces it. A DEST
that holds CRDs this command did not write (the team's shared folder) is refused. Downloads with curl;
offline, it fails in one line and writes nothing.

Sources, per pin in docrouter.constants:
- Flux FLUX_VERSION: fluxcd/flux2's manifests/crds/kustomization.yaml at that tag names each controller's
  release asset `<controller>.crds.yaml` (`kustomize build config/crd` of config/crd/bases, the files
  ../shared/crds/flux holds).
- cert-manager CERT_MANAGER_CHART: the release asset cert-manager.crds.yaml (deploy/crds, whose spec the
  chart's templates/crd-*.yaml render when crds.enabled).
- MongoDB MONGODB_OPERATOR_CHART: public/crds.yaml at the tag (the chart's helm_chart/crds, concatenated).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from docrouter import constants as c
from docrouter.scripts.fetch_crd_schemas import replace_folder

PROGRAM = "make crds"
MARKER = "<!-- written by `make crds` (tools/docrouter_tools/fetch_crds.py) -->"
FLUX_CRDS = "https://raw.githubusercontent.com/fluxcd/flux2/{version}/manifests/crds/kustomization.yaml"
CERT_MANAGER_CRDS = "https://github.com/cert-manager/cert-manager/releases/download/{version}/cert-manager.crds.yaml"
MONGODB_CRDS = "https://raw.githubusercontent.com/mongodb/mongodb-kubernetes/{version}/public/crds.yaml"
CONTROLLER_ASSET = re.compile(r"^https://github\.com/fluxcd/[\w-]+/releases/download/v[\w.-]+/[\w-]+\.crds\.yaml$")


class FetchError(Exception):
    pass


def download(url: str) -> str:
    """The body at url, by curl (following redirects: GitHub release assets are redirects)."""
    try:
        result = subprocess.run(
            ["curl", "--fail", "--silent", "--show-error", "--location", "--max-time", "60", url],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise FetchError("needs curl on PATH (https://curl.se/); nothing was written") from None
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"curl exit {result.returncode}"
        raise FetchError(
            f"cannot download {url}: {reason}. Fix: connect to the internet and run it again, or point CRDS at "
            "the team's shared CRD folder (../shared/crds). Nothing was written."
        )
    return result.stdout


def crds_of(text: str, url: str) -> dict[str, str]:
    """{<group>_<plural>.yaml: one CRD as YAML} of a multi-document file."""
    found = {}
    for document in yaml.safe_load_all(text):
        if not document:
            continue
        if document.get("kind") != "CustomResourceDefinition":
            raise FetchError(f"{url} holds a {document.get('kind')}, not only CRDs; nothing was written")
        spec = document["spec"]
        found[f"{spec['group']}_{spec['names']['plural']}.yaml"] = yaml.safe_dump(document, sort_keys=False)
    if not found:
        raise FetchError(f"{url} holds no CRD; nothing was written")
    return found


def flux_assets(version: str) -> list[str]:
    url = FLUX_CRDS.format(version=version)
    resources = (yaml.safe_load(download(url)) or {}).get("resources", [])
    assets = [r for r in resources if isinstance(r, str) and CONTROLLER_ASSET.match(r)]
    if not assets or len(assets) != len(resources):
        raise FetchError(f"{url}: expected only controller release assets, found {resources}; nothing was written")
    return assets


def sets() -> list[tuple[str, str, str, list[str]]]:
    """(folder, product, version, URLs) for each set, the versions docrouter.constants pins."""
    cert_manager, mongodb = c.CERT_MANAGER_CHART.version, c.MONGODB_OPERATOR_CHART.version
    return [
        ("flux", "Flux", c.FLUX_VERSION, flux_assets(c.FLUX_VERSION)),
        ("cert-manager", "cert-manager", cert_manager, [CERT_MANAGER_CRDS.format(version=cert_manager)]),
        (
            "mongodb-kubernetes",
            "MongoDB Controllers for Kubernetes",
            mongodb,
            [MONGODB_CRDS.format(version=mongodb)],
        ),
    ]


def readme(written: list[tuple[str, str, str, list[str]]]) -> str:
    lines = [MARKER, "# CustomResourceDefinitions", "", "Downloaded by `make crds` for the versions docrouter pins."]
    for folder, product, version, urls in written:
        # The heading form of ../shared/crds/README.md, which tests/test_crd_versions.py reads.
        lines += ["", f"## {folder}/ ({product} {version})", "", *(f"- {url}" for url in urls)]
    return "\n".join(lines) + "\n"


def default_dest() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "docrouter" / "crds"


def main(dest: str | None = None) -> int:
    root = (Path(dest).expanduser() if dest else default_dest()).resolve()
    ours = (root / "README.md").is_file() and (root / "README.md").read_text().startswith(MARKER)
    if root.exists() and any(root.iterdir()) and not ours:
        print(
            f"{PROGRAM}: refusing to replace {root}: it holds CRDs `make crds` did not write (a shared folder?). "
            "Fix: give an empty or new folder, e.g. `make crds CRDS=~/.cache/docrouter/crds`.",
            file=sys.stderr,
        )
        return 1
    root.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{root.name}.partial-", dir=root.parent))
    try:
        written = sets()
        for folder, _, _, urls in written:
            (partial / folder).mkdir()
            for url in urls:
                for name, text in crds_of(download(url), url).items():
                    (partial / folder / name).write_text(text)
            print(f"fetched {folder}: {len(list((partial / folder).iterdir()))} CRDs", file=sys.stderr)
        (partial / "README.md").write_text(readme(written))
        replace_folder(root, partial)
    except FetchError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    print(f"{PROGRAM}: wrote the CRDs to {root}; run the tests against them with `make test CRDS={root}`")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
