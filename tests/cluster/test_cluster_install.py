"""First install and upgrade against a real API server: every layer of dist/<env>/ in Flux order, as Flux
applies it; then the base revision's committed dist/ followed by the working tree's."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.controlplane import REPO
from cluster.environments import Cluster, flux_layers
from cluster.fluxapply import KubectlError, is_refused_update, ref
from docrouter.config import environment_names, load_environment
from docrouter_tools.review.fields import field_changes
from docrouter_tools.review.revisions import committed_tree, default_base
from docrouter_tools.review.risk_immutable import immutable_changes

ENVIRONMENTS = environment_names()


def provider_of(env: str) -> str:
    return load_environment(env).provider


def server_minor(cluster: Cluster) -> str:
    version = cluster.kubectl.json("version")["serverVersion"]
    assert (version["major"], version["minor"]) == tuple(version["gitVersion"].lstrip("v").split(".")[:2])
    return f"{version['major']}.{version['minor']}"


def test_the_control_plane_runs_the_environment_s_kubernetes_minor(cluster: Cluster, env: str) -> None:
    declared, served = load_environment(env).kubernetes_version, server_minor(cluster)
    assert declared == served, f"{env} declares Kubernetes {declared}; the control plane is {served}"


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def env(request: pytest.FixtureRequest) -> str:
    """Module-scoped, so pytest runs each environment's tests together: first install, then upgrade."""
    return str(request.param)


def test_first_install_is_accepted_without_a_warning(cluster: Cluster, env: str) -> None:
    """PodSecurity's `would violate` and deprecated-API warnings come back as kubectl `Warning:` lines."""
    warnings = cluster.install(env)
    assert warnings and all(name for name in warnings)
    assert {layer: w for layer, w in warnings.items() if w} == {}, f"{env}: the API server warned"


def write_tree(files: dict[str, bytes], root: Path) -> Path:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return root


def tree_of(root: Path, env: str) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for top in (root / "dist" / env, root / "clusters" / env)
        for p in sorted(top.rglob("*"))
        if p.is_file()
    }


def test_upgrade_from_the_base_revision_is_accepted_or_flagged(cluster: Cluster, env: str, tmp_path: Path) -> None:
    """Every object the server refuses on upgrade is one the review flags as an immutable-field change."""
    base_ref = default_base(REPO)
    base = write_tree(committed_tree(REPO, base_ref), tmp_path)
    if not (base / "clusters" / env).is_dir():
        pytest.skip(f"{env} does not exist at {base_ref}: its first install is the upgrade")
    if cluster.installed == env and tree_of(base, env) == tree_of(REPO, env):
        pass  # the first install above applied exactly the base revision's objects
    else:
        assert cluster.install(env, root=base)
    old_objects = {ref(o): o for layer in flux_layers(base, env) for o in cluster.build(layer.directory(base))}
    refused: dict[str, str] = {}
    warnings: list[str] = []
    new_objects: dict[str, dict] = {}
    for layer in flux_layers(REPO, env):
        objects = cluster.build(layer.directory(REPO))
        new_objects.update({ref(o): o for o in objects})
        try:
            warnings += cluster.apply(objects, force=layer.force).warnings
        except KubectlError as error:
            for o in objects:  # which objects: apply them one by one
                try:
                    cluster.apply([o], force=layer.force)
                except KubectlError as single:
                    refused[ref(o)] = single.stderr
            assert refused, f"{env} {layer.name}: the layer failed but no single object did: {error}"
        cluster.play_helm_releases(objects)
    assert warnings == []
    unflagged = {
        name: reason
        for name, reason in refused.items()
        if not (
            is_refused_update(reason)
            and name in old_objects
            and immutable_changes(name.split("/")[0], field_changes(old_objects[name], new_objects[name]))
        )
    }
    assert unflagged == {}, f"{env}: refused on upgrade from {base_ref} without an immutable-field flag"
