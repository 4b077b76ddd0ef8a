"""Kubernetes versions against the providers' calendars (providers.py): synth refuses what a provider
does not offer, validate warns before the end of standard support. "Today" is fixed here, so the
calendar alone never fails a test; `make validate` uses the real date."""

from __future__ import annotations

import datetime
import shutil

import pytest

from conftest import REPO
from docrouter.config import ConfigError, environment_names, load_environment
from docrouter.providers import KUBERNETES_CHECKED, PROVIDERS, SUPPORT_WARNING_DAYS
from docrouter_tools.kind.cluster import NODE_IMAGE
from docrouter_tools.validate.engine import CHECKS
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.lifecycle import RULE, check_kubernetes_support
from test_bad_input import fresh_copy, run_main, snapshot

TODAY = datetime.date(2026, 12, 4)  # the day the calendars were read


def with_version(tmp_path, env: str, version: str):
    folder = tmp_path / "environments"
    shutil.copytree(REPO / "environments", folder)
    path = folder / f"{env}.yaml"
    text = path.read_text()
    path.write_text(text.replace(f'kubernetes_version: "{load_environment(env).kubernetes_version}"', version, 1))
    return folder


def findings_on(env_name: str, today: datetime.date, version: str | None = None):
    env = load_environment(env_name)
    if version:
        env = env.model_copy(update={"kubernetes_version": version})
    return check_kubernetes_support(Inventory(env=env, root=REPO), today)


@pytest.mark.parametrize("env", environment_names())
def test_every_environment_runs_a_version_its_provider_offers_today(env):
    e = load_environment(env)
    support = PROVIDERS[e.provider].support_of(e.kubernetes_version)
    assert support is not None
    assert support.end_of_standard_support - TODAY > datetime.timedelta(days=SUPPORT_WARNING_DAYS)
    assert findings_on(env, TODAY) == []


def test_one_version_for_all_environments_and_the_kind_node_image_runs_it():
    versions = {load_environment(env).kubernetes_version for env in environment_names()}
    assert versions == {"1.37"}
    assert NODE_IMAGE.startswith("kindest/node:v1.37.")


@pytest.mark.parametrize(
    "env, line",
    [
        ('kubernetes_version: "1.99"', "1.99 is not a version aws offers"),
        ('kubernetes_version: "1.33"', "1.33 is not a version aws offers"),  # standard support ended 2026-07-29
    ],
)
def test_synth_refuses_a_version_the_provider_does_not_offer_in_one_line(tmp_path, env, line):
    folder = with_version(tmp_path, "production", env)
    with pytest.raises(ConfigError) as caught:
        load_environment("production", folder)
    message = str(caught.value)
    assert "\n" not in message and line in message
    for part in ("environment 'production'", "field 'kubernetes_version'", "offered: 1.35, 1.36, 1.37", "source: EKS"):
        assert part in message, message


def test_the_real_synth_exits_1_naming_doks_and_leaves_dist_untouched(tmp_path):
    root = fresh_copy(tmp_path)
    staging = root / "environments/staging.yaml"
    staging.write_text(staging.read_text().replace('kubernetes_version: "1.37"', 'kubernetes_version: "1.34"'))
    before = snapshot(root / "dist")
    result = run_main(root, "synth")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "1.34 is not a version digitalocean offers (offered: 1.35, 1.36, 1.37; source: DOKS" in result.stderr
    assert snapshot(root / "dist") == before


@pytest.mark.parametrize(
    "days_left, warned",
    [(SUPPORT_WARNING_DAYS + 1, False), (SUPPORT_WARNING_DAYS, True), (0, True), (-1, True)],
)
def test_validate_warns_from_60_days_before_the_end_of_standard_support(days_left, warned):
    end = PROVIDERS["aws"].kubernetes_versions["1.35"].end_of_standard_support
    found = findings_on("production", end - datetime.timedelta(days=days_left), version="1.35")
    assert bool(found) == warned
    if warned:
        (finding,) = found
        assert (finding.severity, finding.rule, finding.file) == (
            "warning",
            RULE,
            "environments/production.yaml",
        )
        assert "Kubernetes 1.35" in finding.message and str(end) in finding.message
        assert ("ended on" in finding.message) == (days_left < 0)
        assert "to 1.37" in finding.fix


def test_an_estimated_end_date_says_so():
    end = PROVIDERS["aws"].kubernetes_versions["1.37"].end_of_standard_support
    (finding,) = findings_on("production", end - datetime.timedelta(days=10))
    assert "an estimate" in finding.message


def test_validate_runs_the_check_with_the_real_date():
    assert check_kubernetes_support in CHECKS  # called with one argument: today's date is the default


def test_the_calendars_are_current_and_name_their_source():
    assert KUBERNETES_CHECKED <= datetime.date.today()
    for provider in PROVIDERS.values():
        assert provider.kubernetes_versions and "." in provider.kubernetes_source
        assert all(s.end_of_standard_support > KUBERNETES_CHECKED for s in provider.kubernetes_versions.values())
