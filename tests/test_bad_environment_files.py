"""A broken environment file stops synth with one short line (environment, file, what, Fix:), fast.

In-process on a copy of environments/ (load_environment is what synth, validate and diff call); a few
cases run the real `python main.py` to show the exit code and that dist/ and clusters/ stay byte-identical.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import REPO
from docrouter.config import ConfigError, environment_names, load_environment

MAX_MESSAGE = 600  # characters: a message is a sentence, never a dump of the input
MAX_SECONDS = 2.0
MARKER = "first-item"


@pytest.fixture
def env_dir(tmp_path) -> Path:
    folder = tmp_path / "environments"
    shutil.copytree(REPO / "environments", folder)
    return folder


def staging_text() -> str:
    return (REPO / "environments/staging.yaml").read_text()


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9)
)
BAD_FILES = {
    "duplicate-key": ((staging_text() + "app_env: prod\n").encode(), "key 'app_env' repeated at line"),
    "non-utf8": (
        staging_text().replace("app_env: stage", "app_env: st\xe9ge").encode("latin-1"),
        "byte 0xe9 at offset",
    ),
    "syntax-error": (staging_text().replace("ingress:\n", "ingress: [\n", 1).encode(), "is not valid YAML: line"),
    "tab-indent": (staging_text().replace("  host:", "\thost:", 1).encode(), "never tabs"),
    "empty": (b"", "is empty"),
    "only-comment": (b"# nothing here yet\n", "is empty"),
    "not-a-mapping": (b"- provider: aws\n", "not a mapping of fields"),
    "alias-bomb": (ALIAS_BOMB.encode(), "YAML aliases are not allowed"),
    "two-megabytes": (staging_text().encode() + b"# " + b"x" * 2_000_000 + b"\n", "over the 262144-byte limit"),
    "huge-value": (
        staging_text().replace("app_env: stage", f"app_env: [{MARKER}, {'y' * 200_000}]").encode(),
        "field 'app_env'",
    ),
    "name-field": ((staging_text() + "name: other\n").encode(), "field 'name' is not allowed"),
}


@pytest.mark.parametrize("content, words", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_environment_file_is_one_short_line(env_dir, content, words):
    (env_dir / "staging.yaml").write_bytes(content)
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_environment("staging", env_dir)
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert words in message
    assert message.startswith("environment 'staging': ") and "staging.yaml" in message and "Fix: " in message
    assert "\n" not in message and len(message) < MAX_MESSAGE, message[:2000]
    assert elapsed < MAX_SECONDS


def test_many_field_errors_are_capped(env_dir):
    (env_dir / "staging.yaml").write_text(staging_text() + "".join(f"unknown_{i}: 1\n" for i in range(500)))
    with pytest.raises(ConfigError) as caught:
        load_environment("staging", env_dir)
    lines = str(caught.value).splitlines()
    assert len(lines) == 11 and lines[-1] == "  … and 490 more problems"
    assert all(line.startswith("environment 'staging': ") and "Fix: " in line for line in lines[:-1])


@pytest.mark.parametrize(
    "file_name, rename_to",
    [
        ("qa.yml", "qa.yaml"),
        ("Staging-EU.yaml", "staging-eu.yaml"),
        ("my_env.yaml", "my-env.yaml"),
        ("qa.json", "qa.yaml"),
    ],
)
def test_a_file_that_cannot_be_an_environment_is_reported(env_dir, file_name, rename_to):
    (env_dir / file_name).write_text(staging_text())
    with pytest.raises(ConfigError) as caught:
        environment_names(env_dir)
    message = str(caught.value)
    assert file_name in message and f"Fix: rename the file to {rename_to}" in message
    assert "\n" not in message and "[a-z" not in message  # says what to do, not a regex


def test_hidden_files_are_not_environments(env_dir):
    (env_dir / ".staging.yaml.swp").write_bytes(b"\x00vim swap")
    assert environment_names(env_dir) == ["kind", "production", "staging"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "STAGING", "a" * 300])
def test_an_environment_name_never_reaches_outside_environments(env_dir, name):
    with pytest.raises(ConfigError, match="unknown environment") as caught:
        load_environment(name, env_dir)
    assert len(str(caught.value)) < MAX_MESSAGE
