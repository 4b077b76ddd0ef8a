"""libyaml reads and writes YAML exactly as the pure-Python PyYAML classes do, and the strict rules hold on both."""

from __future__ import annotations

import pytest
import yaml

from conftest import ENVIRONMENTS, REPO, manifests_for
from docrouter import safe_yaml
from docrouter.safe_yaml import AliasRejected, DuplicateKey, PureStrictLoader, StrictLoader
from docrouter.synthesis.synth import _Dumper, to_yaml

pytestmark = pytest.mark.skipif(not safe_yaml.LIBYAML, reason="PyYAML without libyaml: nothing to compare with")


class PureDumper(yaml.SafeDumper):
    pass


PureDumper.add_representer(str, _Dumper.yaml_representers[str])


def test_synthesized_yaml_is_byte_identical_with_libyaml():
    assert issubclass(_Dumper, yaml.CSafeDumper)
    for env in ENVIRONMENTS:
        for obj in manifests_for(env).objects:
            pure = yaml.dump(
                obj, Dumper=PureDumper, sort_keys=False, default_flow_style=False, width=120, allow_unicode=True
            )
            assert to_yaml(obj) == pure


def test_committed_manifests_load_the_same_with_libyaml():
    files = sorted((REPO / "dist").rglob("*.yaml")) + sorted((REPO / "clusters").rglob("*.yaml"))
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert list(yaml.load_all(text, Loader=StrictLoader)) == list(yaml.load_all(text, Loader=PureStrictLoader))


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"


@pytest.mark.parametrize(
    "text, error, message",
    [
        (BOMB, AliasRejected, "alias *a at line 2"),
        ("a: 1\nb: 2\na: 3\n", DuplicateKey, "key 'a' repeated at line 3"),
        ("a:\n\tb: 1\n", yaml.YAMLError, "'\\t'"),  # the pure loader's message, which names the tab
    ],
)
def test_the_libyaml_strict_loader_refuses_like_the_pure_one(text, error, message):
    loader = StrictLoader(text)
    assert not isinstance(loader, PureStrictLoader)  # really the C loader
    loader.dispose()
    with pytest.raises(error) as caught:
        yaml.load(text, Loader=StrictLoader)
    assert message in str(caught.value)


def test_timestamps_stay_strings_and_anchors_without_aliases_are_fine():
    assert yaml.load("when: 2024-01-01\nx: &unused 1\n", Loader=StrictLoader) == {"when": "2024-01-01", "x": 1}


def test_text_nested_too_deeply_for_libyaml_goes_to_the_pure_loader():
    deep = "[" * 100_000 + "]" * 100_000  # libyaml's C composer would crash the interpreter on this
    with pytest.raises(RecursionError):
        yaml.load(deep, Loader=StrictLoader)


WITHOUT_LIBYAML = """
import sys, yaml
del yaml.CSafeLoader, yaml.CSafeDumper  # as in a PyYAML built without libyaml
sys.path.insert(0, "constructs")
from docrouter import safe_yaml
assert not safe_yaml.LIBYAML
try:
    yaml.load("a: &x 1\\nb: *x\\n", Loader=safe_yaml.StrictLoader)
except safe_yaml.AliasRejected as exc:
    print(exc)
print(safe_yaml.safe_dump({"b": 1, "a": [1, 2]}, sort_keys=False), end="")
"""


def test_without_libyaml_one_notice_and_the_same_results():
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_LIBYAML], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("notice: libyaml is not available")
    assert result.stdout == "alias *x at line 2\nb: 1\na:\n- 1\n- 2\n"
