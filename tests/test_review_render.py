"""Report formats: Markdown (PR comment), JSON, terminal; Secret values never shown."""

from __future__ import annotations

import json

from docrouter_tools.review.core import diff_manifests
from docrouter_tools.review.render_json import render_json
from docrouter_tools.review.render_markdown import CUT_NOTE, MARKER, render_markdown
from docrouter_tools.review.render_terminal import render_terminal
from review_trees import APPS, add, edit, production, secret

CIPHER_OLD = "ENC[AES256_GCM,data:b2xkLXBhc3N3b3Jk,iv:aaa,tag:bbb,type:str]"
CIPHER_NEW = "ENC[AES256_GCM,data:bmV3LXBhc3N3b3Jk,iv:ccc,tag:ddd,type:str]"


def _risky_report():
    base = production()
    new = edit(base, f"{APPS}/deployment-frontend.yaml", lambda d: d["spec"]["selector"]["matchLabels"].update(a="b"))
    new = {p: t for p, t in new.items() if not p.endswith("networkpolicy-backend.yaml")}
    return diff_manifests(base, new, "main", "pr")


def _all_formats(report) -> list[str]:
    return [render_markdown(report), render_json(report), render_terminal(report), render_terminal(report, True)]


def test_sops_secret_shows_changed_key_names_only():
    old = add(
        production(),
        f"{APPS}/secret-app.sops.yaml",
        secret("app", {"MONGODB_URI": CIPHER_OLD, "S3_KEY": CIPHER_OLD}, sops=True),
    )
    new = add(
        production(),
        f"{APPS}/secret-app.sops.yaml",
        secret("app", {"MONGODB_URI": CIPHER_NEW, "S3_KEY": CIPHER_OLD, "NEW_KEY": CIPHER_NEW}, sops=True),
    )
    report = diff_manifests(old, new)
    (change,) = report.envs[0].changes
    # No key here decrypts these stand-ins: one "re-encrypted (values unknown)", not a change per key.
    assert {f.path for f in change.fields} == {"sops.values", "stringData.NEW_KEY"}
    assert report.risks == []  # SOPS-encrypted: not plain data
    for text in _all_formats(report):
        assert (
            "re-encrypted (values unknown)" in text and "ENC[" not in text and "b2xk" not in text and "bmV3" not in text
        )


def test_plain_secret_is_a_security_risk_and_its_values_stay_hidden():
    old = add(production(), f"{APPS}/secret-app.yaml", secret("app", {"PASSWORD": "hunter2"}, sops=False))
    new = add(production(), f"{APPS}/secret-app.yaml", secret("app", {"PASSWORD": "correct-horse"}, sops=False))
    fresh = diff_manifests(production(), new)
    assert [r.id for r in fresh.risks] == ["security"]
    for text in _all_formats(diff_manifests(old, new)) + _all_formats(fresh):
        assert "hunter2" not in text and "correct-horse" not in text


def test_markdown_puts_risk_flags_first_and_collapses_each_environment():
    text = render_markdown(_risky_report())
    assert text.startswith(MARKER)
    assert text.index("6 risk flags") < text.index("<details>")
    assert "`immutable-field`" in text and "`network-policy`" in text
    assert "<summary><b>production</b>: 0 added, 1 changed, 1 removed, ⚠️ 6 risk flags</summary>" in text
    assert "spec.selector.matchLabels.a: (absent) → b" in text


def test_markdown_too_long_keeps_risks_and_summaries_and_cuts_detail():
    report = _risky_report()
    full = render_markdown(report)
    cut = render_markdown(report, limit=len(full) - 1)
    assert len(cut) < len(full) and CUT_NOTE in cut
    assert "`immutable-field`" in cut and "`network-policy`" in cut and "0 added, 1 changed, 1 removed" in cut
    assert "spec.selector.matchLabels.a" not in cut
    tiny = render_markdown(report, limit=1500)
    assert len(tiny) <= 1500


def test_json_shape():
    data = json.loads(render_json(_risky_report()))
    assert data["base"] == "main" and data["head"] == "pr" and data["risk_count"] == 6
    (env,) = data["environments"]
    assert env["env"] == "production" and env["summary"] == {"added": 0, "changed": 1, "removed": 1}
    assert {r["id"] for r in env["risks"]} == {"immutable-field", "network-policy", "network-flow"}
    changed = next(o for o in env["objects"] if o["status"] == "changed")
    assert changed["kind"] == "Deployment" and changed["name"] == "frontend"
    assert changed["fields"] == [
        {"path": "spec.selector.matchLabels.a", "old": None, "new": "b", "absent_before": True, "absent_after": False}
    ]


def test_terminal_lists_risks_before_environments_and_colours_only_on_request():
    report = _risky_report()
    plain = render_terminal(report)
    assert "\033[" not in plain and "\033[" in render_terminal(report, colour=True)
    assert plain.index("[immutable-field]") < plain.index("== production")
