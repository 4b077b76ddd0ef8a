"""Report as a GitHub PR comment: risk flags first, one collapsible section per
environment, never longer than GitHub's comment limit."""

from __future__ import annotations

from docrouter_tools.review.model import ADDED, CHANGED, REMOVED, EnvReport, Report, counted
from docrouter_tools.review.values import field_line, image_line

MARKER = "<!-- docrouter-diff -->"  # lets the workflow find and update its own comment
COMMENT_LIMIT = 65_536
ICONS = {ADDED: "🟢 added", REMOVED: "🔴 removed", CHANGED: "🟡 changed"}
CUT_NOTE = "> ✂️ Field detail was cut to fit GitHub's comment limit; run `make diff` locally for all of it."


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _risks(report: Report) -> list[str]:
    if not report.risks:
        return ["✅ **No risk flags.**", ""]
    lines = [
        f"### ⚠️ {counted(len(report.risks), 'risk flag')}",
        "",
        "| risk | env | object | why | what to do |",
        "|---|---|---|---|---|",
    ]
    for r in report.risks:
        lines.append(
            f"| `{r.id}` | {r.object.env} | {_escape(r.object.label())} | {_escape(r.reason)} | {_escape(r.action)} |"
        )
    return lines + [""]


def _env_section(env: EnvReport, detail: bool) -> list[str]:
    flag = f", ⚠️ {counted(len(env.risks), 'risk flag')}" if env.risks else ""
    lines = ["<details>", f"<summary><b>{env.env}</b>: {env.summary()}{flag}</summary>", ""]
    lines += [f"- image {image_line(i)}" for i in env.images]
    for change in env.changes:
        lines.append(f"- {ICONS[change.status]} `{change.key.label()}`")
        if detail and change.fields:
            lines.append("  ```")
            lines += [f"  {field_line(f)}" for f in change.fields]
            lines.append("  ```")
        if change.key in env.rollouts:
            lines.append(f"  - rollout: {env.rollouts[change.key]}")
    return lines + ["", "</details>", ""]


def _document(report: Report, detail: bool, objects: bool) -> str:
    lines = [MARKER, f"## Manifest diff `{report.base}` → `{report.head}`", ""]
    lines += _risks(report)
    if report.sources:
        lines += [f"### What `{report.head}`'s sources would deploy instead", ""]
        lines += [f"Compared with `{report.base}` ({counted(len(report.sources.risks), 'risk flag')} there):", ""]
        lines += [f"- **{e.env}**: {e.summary()}" for e in report.sources.envs if e.changes or e.risks]
        lines += [
            f"- `{r.id}` {r.object.env} {_escape(r.object.label())}: {_escape(r.reason)}" for r in report.sources.risks
        ]
        lines.append("")
    if not detail:
        lines += [CUT_NOTE, ""]
    for env in report.envs:
        if objects:
            lines += _env_section(env, detail)
        else:
            lines.append(f"- **{env.env}**: {env.summary()}")
    return "\n".join(lines) + "\n"


def render_markdown(report: Report, limit: int = COMMENT_LIMIT) -> str:
    for detail, objects in ((True, True), (False, True), (False, False)):
        text = _document(report, detail, objects)
        if len(text) <= limit:
            return text
    note = "\n\n> ✂️ Truncated to GitHub's comment limit; run `make diff` locally.\n"
    return text[: limit - len(note)] + note
