"""The conventions every command shares (issue 24): --env the same everywhere, a typo answered with
'did you mean', and diff limited to the environments asked for."""

from __future__ import annotations

import pytest

from conftest import edit_environment
from docrouter.cli import build_parser, main
from docrouter.config import ConfigError, load_environment
from docrouter.tools.review.diff_cli import only


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
