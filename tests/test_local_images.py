"""The Kind environment can run images built on this machine (Compose's `build:`): local_images in
kind.yaml names Kind's local registry and a tag, validated, for every workload and the migration Job."""

from __future__ import annotations

import pytest

from conftest import edit_environment
from docrouter.config import ConfigError, load_environment
from docrouter.safe_yaml import safe_load_all
from docrouter.synthesis.synth import render


def images(files: dict[str, str | bytes]) -> set[str]:
    found = set()
    for text in files.values():
        for doc in safe_load_all(text):
            spec = doc.get("spec", {}) if isinstance(doc, dict) else {}
            pod = spec.get("template", {}).get("spec", {}) if isinstance(spec, dict) else {}
            for container in pod.get("containers", []) + pod.get("initContainers", []):
                found.add(container["image"])
    return {image for image in found if "doc-router" in image}


def test_local_images_run_in_every_workload_and_the_migration(env_dir):
    edit_environment(env_dir, "kind", lambda d: d.update(local_images={"tag": "dev-42"}))
    files = render(load_environment("kind", env_dir))
    assert images(files) == {"localhost:5001/doc-router-frontend:dev-42", "localhost:5001/doc-router-backend:dev-42"}
    migration = [str(text) for path, text in files.items() if "migrat" in path and "job" in path.lower()]
    assert migration and all("localhost:5001/doc-router-backend:dev-42" in text for text in migration)


def test_without_local_images_the_releases_run(env_dir):
    files = render(load_environment("kind", env_dir))
    assert all(image.startswith("ghcr.io/analytiq-hub/") for image in images(files))


@pytest.mark.parametrize(
    ("local", "words"),
    [
        ({"tag": "dev 1"}, "local_images.tag"),
        ({"tag": "-dev"}, "local_images.tag"),
        ({"tag": "x" * 64}, "local_images.tag"),
        ({"tag": "dev", "registry": "docker.io"}, "local_images.registry"),
        ({"tga": "dev"}, "did you mean 'tag'?"),
    ],
)
def test_a_bad_local_image_is_one_clear_line(env_dir, local, words):
    edit_environment(env_dir, "kind", lambda d: d.update(local_images=local))
    with pytest.raises(ConfigError) as caught:
        load_environment("kind", env_dir)
    assert words in str(caught.value).splitlines()[0]


def test_local_images_are_refused_outside_kind(env_dir):
    edit_environment(env_dir, "staging", lambda d: d.update(local_images={"tag": "dev"}))
    with pytest.raises(ConfigError, match="local_images is set but provider is digitalocean"):
        load_environment("staging", env_dir)
