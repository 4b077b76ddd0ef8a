"""The CLI behaves like kubectl/helm: help by default, --version, examples, one exit-code table, and each
command imports only what it needs (only synth starts cdk8s' jsii/Node runtime)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO
from docrouter.cli import COMMANDS, build_parser, main
from docrouter.exit_codes import EXIT_CODES_HELP

# Run in a fresh interpreter: this test session has long imported cdk8s for the rendered fixtures.
IMPORTS_PROBE = """
import json, sys
sys.path.insert(0, "constructs")
from docrouter.cli import build_parser
report = {}
for argv in (["validate"], ["diff"], ["history", "--env", "kind"], ["rollback"], ["kind", "status"],
             ["secrets", "init"]):
    build_parser(argv)  # imports the command's module, as main() does
    # the work behind validate and diff, too
    import docrouter_tools.validate.engine, docrouter_tools.review.core
    started = ("cdk8s", "constructs", "jsii", "docrouter.synthesis.synth")
    report[argv[0]] = sorted(m for m in started if m in sys.modules)
print(json.dumps(report))
"""


def test_only_synth_starts_cdk8s():
    result = subprocess.run([sys.executable, "-c", IMPORTS_PROBE], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        name: [] for name in ("validate", "diff", "history", "rollback", "kind", "secrets")
    }


def test_bare_main_py_prints_help_and_writes_nothing(tmp_path):
    before = sorted(p.relative_to(REPO) for p in (REPO / "dist").rglob("*"))
    result = subprocess.run(
        [sys.executable, str(REPO / "main.py")], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.startswith("usage: main.py") and "synth" in result.stdout
    assert list(tmp_path.iterdir()) == [] and sorted(p.relative_to(REPO) for p in (REPO / "dist").rglob("*")) == before


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.split()[-1] == "0.1.0"


def test_console_script_is_installed():
    script = REPO / ".venv/bin/docrouter"
    if not script.exists():
        pytest.skip("not run through `make test` (.venv/bin/docrouter is installed by make venv)")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("usage: docrouter")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_description_examples_and_the_exit_codes(capsys, command):
    with pytest.raises(SystemExit) as caught:
        main([command, "--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    assert COMMANDS[command].description.split()[0] in text
    assert "examples:\n" in text and EXIT_CODES_HELP in text


def test_an_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        build_parser(["nope"]).parse_args(["nope"])
    assert caught.value.code == 2 and "invalid choice: 'nope'" in capsys.readouterr().err


def test_make_validate_refuses_an_unknown_env():
    result = subprocess.run(
        ["make", "--no-print-directory", "validate", "ENV=nope"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and "unknown environment 'nope'" in result.stderr
    # The fix names the real file to add, from the repository root.
    assert "add environments/nope.yaml" in result.stderr
    assert (REPO / "environments/kind.yaml").is_file()


def test_make_help_shows_real_defaults():
    result = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and "$(" not in result.stdout
    variables = {line.split()[0]: line.split()[-1] for line in result.stdout.split("Variables", 1)[1].splitlines()[1:]}
    assert variables["FORMAT"] == "terminal" and variables["KIND_CLUSTER"] == "doc-router"
