"""The conventions every command shares (issue 24): --env the same everywhere, a typo answered with
'did you mean', and diff limited to the environments asked for."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from conftest import REPO, edit_environment
from docrouter.cli import build_parser, main
from docrouter.config import ConfigError, load_environment
from docrouter.exit_codes import CLOSED_PIPE
from docrouter.output import colour_enabled, emit
from docrouter_tools.review.diff_cli import only
from docrouter_tools.review.history import HEADER, Revision
from docrouter_tools.review.model import MISSING
from docrouter_tools.review.values import show


@pytest.mark.parametrize("command", [["synth"], ["validate"], ["diff"]])
def test_env_repeated_means_each_environment_once_in_order(command):
    argv = [*command, "--env", "staging", "--env", "kind", "--env", "staging"]
    assert build_parser(argv).parse_args(argv).env == ["staging", "kind"]


@pytest.mark.parametrize("command", [["history"], ["rollback", "--to", "1"], ["secrets", "init"], ["secrets", "edit"]])
def test_env_twice_is_refused_where_a_command_takes_one(capsys, command):
    with pytest.raises(SystemExit) as caught:
        main([*command, "--env", "staging", "--env", "production"])
    assert caught.value.code == 2
    assert "--env given twice ('staging', 'production')" in capsys.readouterr().err


def test_diff_of_one_environment_keeps_only_its_files():
    tree = {
        "dist/staging/apps/a.yaml": b"1",
        "clusters/staging/apps.yaml": b"2",
        "dist/production/apps/a.yaml": b"3",
        "clusters/kind/apps.yaml": b"4",
    }
    assert only(tree, ["staging"]) == {"dist/staging/apps/a.yaml": b"1", "clusters/staging/apps.yaml": b"2"}
    assert only(tree, []) == tree


@pytest.mark.parametrize(("typed", "meant"), [("prod", "production"), ("stagin", "staging"), ("knid", "kind")])
def test_an_unknown_environment_suggests_the_one_meant(capsys, typed, meant):
    with pytest.raises(SystemExit) as caught:
        main(["validate", "--env", typed])
    assert caught.value.code == 2
    assert f"unknown environment '{typed}' (did you mean '{meant}'?)" in capsys.readouterr().err


def test_a_misspelt_field_is_reported_first_with_the_field_meant(env_dir):
    def misspell(d):
        d["frontend"]["replcas"] = d["frontend"].pop("replicas")

    edit_environment(env_dir, "production", misspell)
    with pytest.raises(ConfigError) as caught:
        load_environment("production", env_dir)
    first = str(caught.value).splitlines()[0]
    assert "field 'frontend.replcas'" in first and "(did you mean 'replicas'?)" in first


def test_a_field_unlike_any_gets_no_guess(env_dir):
    edit_environment(env_dir, "staging", lambda d: d.update(zzzzzz=1))
    with pytest.raises(ConfigError) as caught:
        load_environment("staging", env_dir)
    assert "field 'zzzzzz'" in str(caught.value) and "did you mean" not in str(caught.value)


# --- output conventions ------------------------------------------------------------------------------


def test_a_closed_pipe_exits_quietly_like_kubectl():
    process = subprocess.Popen(
        [sys.executable, "main.py", "history", "--env", "kind", "-o", "json"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    process.stdout.close()  # `| head` that already has what it wanted
    _, err = process.communicate(timeout=120)
    assert err == b"" and process.returncode == CLOSED_PIPE


@pytest.mark.parametrize(
    ("term", "no_color", "tty", "expected"),
    [
        ("xterm-256color", None, True, True),
        ("dumb", None, True, False),
        ("xterm", "1", True, False),
        ("xterm", None, False, False),
    ],
)
def test_colour_only_on_a_terminal_that_shows_it(monkeypatch, term, no_color, tty, expected):
    monkeypatch.setenv("TERM", term)
    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)

    class Stream:
        def isatty(self) -> bool:
            return tty

    assert colour_enabled(Stream()) is expected


def test_out_dash_is_standard_output_for_reports_and_refused_by_synth(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert emit("report", "-", "validate") == 0
    assert capsys.readouterr().out == "report\n" and not (tmp_path / "-").exists()
    with pytest.raises(SystemExit) as caught:
        main(["synth", "--out", "-"])
    assert caught.value.code == 2
    assert "'-' is not a folder: synth writes one folder per environment" in capsys.readouterr().err
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(("value", "shown"), [("", '""'), (" x", '" x"'), ("x", "x"), (MISSING, "(absent)"), (3, "3")])
def test_an_empty_value_is_visible_in_the_diff(value, shown):
    assert show(value) == shown


def test_history_json_dates_have_a_timezone_and_max_limits_the_list(capsys):
    assert main(["history", "--env", "kind", "-o", "json", "--max", "2"]) == 0
    revisions = json.loads(capsys.readouterr().out)
    assert len(revisions) == 2
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)", r["date"]) for r in revisions)
    with pytest.raises(SystemExit) as caught:
        main(["history", "--env", "kind", "--max", "0"])
    assert caught.value.code == 2


def test_long_author_names_keep_the_columns_aligned():
    short = Revision(2, "a" * 40, "2026-05-02T10:14:00+02:00", "Ana", "one", ())
    long = Revision(1, "b" * 40, "2026-05-01T09:00:00+00:00", "Maximiliana Alexandra Featherstonehaugh", "two", ())
    lines = [HEADER, short.line(), long.line()]
    assert {line.index("SUBJECT" if line is HEADER else line.split()[-2]) for line in lines} == {
        HEADER.index("SUBJECT")
    }
    assert "Maximiliana Alexand…" in long.line() and "2026-05-02 10:14" in short.line()
