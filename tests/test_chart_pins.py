"""Chart pins and what was checked about them (constants.py CHART_CRDS, docs/platform.md#versions).

A chart update (Renovate's or a person's) must re-check the chart's CRDs against the copies the tests
install (../shared/crds): the note names the version it was written for, so a moved pin fails here until
the note is rewritten."""

from __future__ import annotations

import re

import pytest

from conftest import REPO
from docrouter import constants as c

CHARTS = [v for v in vars(c).values() if isinstance(v, c.HelmChart)]


def test_every_chart_has_a_crd_note():
    assert {chart.name for chart in CHARTS} == set(c.CHART_CRDS)


@pytest.mark.parametrize("chart", CHARTS, ids=lambda ch: ch.name)
def test_the_crd_note_was_written_for_the_pinned_version(chart):
    note = c.CHART_CRDS[chart.name]
    if note != "ships no CRDs":
        assert re.search(rf"(?<![\w.]){re.escape(chart.version)}(?![\w.])", note), (chart.name, chart.version, note)


@pytest.mark.parametrize("chart", CHARTS, ids=lambda ch: ch.name)
def test_docs_show_the_pinned_version(chart):
    versions = (REPO / "docs/platform.md").read_text().split("## Versions", 1)[1].split("\n## ", 1)[0]
    assert f"| {chart.version}" in versions, f"docs/platform.md#versions does not show {chart.name} {chart.version}"
