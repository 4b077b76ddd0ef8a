"""Shared fixtures: every environment rendered once per test session, parsed."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Before cdk8s starts Node (the import below): the tests run on Node 20 machines too, without jsii's banner.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import pytest  # noqa: E402
import yaml  # noqa: E402

from docrouter.config import environment_names, load_environment  # noqa: E402
from docrouter.paths import ENVIRONMENTS_DIR  # noqa: E402
from docrouter.pod_templates import pod_template  # noqa: E402
from docrouter.schemas import CrdSchemasMissing, crd_schema_folder  # noqa: E402
from docrouter.synthesis.synth import KUSTOMIZATION, render, render_clusters  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
ENVIRONMENTS = environment_names()

# Plain `pytest` runs as `make test` does: the Makefile's CRD_SCHEMAS default is the team's shared folder
# beside the checkout when it exists, else what `make crd-schemas` downloads.
_SHARED_SCHEMAS = REPO.parent / "shared" / "schemas"
os.environ.setdefault("CRD_SCHEMAS", str(_SHARED_SCHEMAS if _SHARED_SCHEMAS.is_dir() else REPO / ".cache/crd-schemas"))


@pytest.fixture
def crd_schemas() -> Path:
    """The CRD schema folder synth and validate read (docrouter.schemas); the test skips without one."""
    try:
        folder = crd_schema_folder()
    except CrdSchemasMissing as exc:
        pytest.skip(str(exc))
    if folder is None:
        pytest.skip("CRD_SCHEMAS=skip: custom resources are not checked")
    return folder


# Shapes of an environment the docs promise but no committed file has, each derived from a committed one
# (so it follows every change to it): the promise tests (the `manifests` fixture) run on these too.
FIXTURE_ENVIRONMENTS = {
    # README "mongodb: {mode: external}": MongoDB run elsewhere, no database layer.
    "external-db": ("production", lambda data: data.update(mongodb={"mode": "external"})),
    # No worker: the backend runs its workers in-process.
    "no-worker": ("kind", lambda data: data.pop("worker")),
}


def fixture_environment_dir() -> Path:
    """A folder holding every committed environment plus the fixture environments (one per process)."""
    global _fixture_dir
    if _fixture_dir is None:
        _fixture_dir = Path(tempfile.mkdtemp(prefix="docrouter-environments-"))
        for name in ENVIRONMENTS:
            shutil.copy(ENVIRONMENTS_DIR / f"{name}.yaml", _fixture_dir)
        for name, (base, change) in FIXTURE_ENVIRONMENTS.items():
            data = yaml.safe_load((ENVIRONMENTS_DIR / f"{base}.yaml").read_text())
            change(data)
            (_fixture_dir / f"{name}.yaml").write_text(yaml.safe_dump(data))
    return _fixture_dir


_fixture_dir: Path | None = None


class Manifests:
    """The objects of one environment, by layer, with lookups tests need."""

    def __init__(self, name: str):
        fixture = name in FIXTURE_ENVIRONMENTS
        self.env = load_environment(name, fixture_environment_dir()) if fixture else load_environment(name)
        self.files = render(self.env)
        self.cluster_files = render_clusters(self.env, self.files)
        self.by_layer: dict[str, list[dict]] = {}
        for path, text in self.files.items():
            if path.endswith(KUSTOMIZATION):
                continue
            layer = path.rsplit("/", 2)[0]  # <layer>/<namespace>/<file>
            self.by_layer.setdefault(layer, []).append(yaml.safe_load(text))
        self.flux = [yaml.safe_load(text) for text in self.cluster_files.values()]

    @property
    def objects(self) -> list[dict]:
        return [o for objs in self.by_layer.values() for o in objs]

    def layer_of(self, kind: str, name: str) -> str:
        for layer, objs in self.by_layer.items():
            if any(o["kind"] == kind and o["metadata"]["name"] == name for o in objs):
                return layer
        raise KeyError(f"{kind} {name} not synthesized")

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict:
        for o in self.of_kind(kind):
            if o["metadata"]["name"] == name and (namespace is None or o["metadata"].get("namespace") == namespace):
                return o
        raise KeyError(f"{kind} {namespace}/{name} not synthesized")

    def find(self, kind: str, name: str) -> dict | None:
        try:
            return self.get(kind, name)
        except KeyError:
            return None

    def pod_templates(self) -> list[tuple[dict, dict]]:
        """(owner, pod template) for every workload, found the way synth's guards and validate find them
        (pod_templates.py: a CronJob's pods or a bare Pod are walked too)."""
        return [(o, template) for o in self.objects if (template := pod_template(o)) is not None]


# What synth reads and writes: a fresh clone of these must reproduce dist/ and clusters/.
SYNTH_SOURCES = (
    "main.py",
    "cdk8s.yaml",
    "pyproject.toml",
    "requirements.txt",
    "constructs",
    "tools",
    "environments",
    "secrets",
    ".sops.yaml",
    "dist",
    "clusters",
)


def copy_sources(root: Path, names: tuple[str, ...] = SYNTH_SOURCES) -> Path:
    """Copy the repository's committed sources into root, as a fresh clone would have them (without what
    the tools install beside them: `make lint` puts 530 MB of npm packages in tools/renovate/node_modules)."""
    root.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "node_modules")
    for name in names:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    return root


_cache: dict[str, Manifests] = {}


def manifests_for(name: str) -> Manifests:
    if name not in _cache:
        _cache[name] = Manifests(name)
    return _cache[name]


@pytest.fixture(params=[*ENVIRONMENTS, *FIXTURE_ENVIRONMENTS])
def manifests(request) -> Manifests:
    return manifests_for(request.param)


# --- a throwaway copy of the environment files, edited as a user would ---------------------


@pytest.fixture
def env_dir(tmp_path) -> Path:
    folder = tmp_path / "environments"
    shutil.copytree(REPO / "environments", folder)
    return folder


def edit_environment(env_dir: Path, name: str, change) -> None:
    """Apply `change` to the parsed environments/<name>.yaml in env_dir and write it back."""
    path = env_dir / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))


def refused_environment(env_dir: Path, name: str, change) -> str:
    """The ConfigError message for the environment after `change`."""
    from docrouter.config import ConfigError

    edit_environment(env_dir, name, change)
    with pytest.raises(ConfigError) as caught:
        load_environment(name, env_dir)
    return str(caught.value)


def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN201 (xdist's own types)
    """The cluster tier (tests/cluster) as one work unit of `--dist loadgroup`, so one worker starts its
    control plane and runs it while the others run the rest. xdist_group marks cannot say so here:
    pytest-xdist 3.8.0 groups by rewriting `item._nodeid` (xdist/remote.py), which pytest 9 no longer
    reads (a node's id is `_id`, _pytest/nodes.py), so every marked test was scheduled on its own and
    each worker started a control plane of its own."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling  # type: ignore[import-untyped]

    class ClusterTierTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "cluster-tier" if nodeid.startswith("tests/cluster/") else super()._split_scope(nodeid)

    return ClusterTierTogether(config, log)
