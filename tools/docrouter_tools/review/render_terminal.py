"""Report as terminal text; colour only when writing to a TTY."""

from __future__ import annotations

from docrouter_tools.review.model import ADDED, CHANGED, REMOVED, Report, counted
from docrouter_tools.review.values import field_line, image_line

COLOURS = {"red": "31", "green": "32", "yellow": "33", "bold": "1", "dim": "2"}
MARKS = {ADDED: ("+", "green"), REMOVED: ("-", "red"), CHANGED: ("~", "yellow")}


def render_terminal(report: Report, colour: bool = False) -> str:
    def paint(text: str, name: str) -> str:
        return f"\033[{COLOURS[name]}m{text}\033[0m" if colour else text

    lines = [paint(f"diff {report.base} → {report.head}", "bold")]
    if report.risks:
        lines.append(paint(f"{counted(len(report.risks), 'risk flag')}:", "red"))
        for risk in report.risks:
            lines.append(paint(f"  [{risk.id}] {risk.object.env}: {risk.object.label()}", "red"))
            lines.append(f"      why: {risk.reason}")
            lines.append(f"      do:  {risk.action}")
    else:
        lines.append(paint("no risk flags", "green"))
    if report.sources:
        lines.append(paint(f"{report.sources.head} would deploy instead (vs {report.base}):", "bold"))
        lines += [f"  {e.env}: {e.summary()}" for e in report.sources.envs if e.changes or e.risks]
        lines += [f"  [{r.id}] {r.object.env}: {r.object.label()}: {r.reason}" for r in report.sources.risks]
    for env in report.envs:
        lines.append("")
        lines.append(paint(f"== {env.env}: {env.summary()}", "bold"))
        lines += [f"   image {image_line(i)}" for i in env.images]
        for change in env.changes:
            mark, name = MARKS[change.status]
            lines.append(paint(f" {mark} {change.key.label()} ({change.status})", name))
            lines += [f"     {field_line(f)}" for f in change.fields]
            if change.key in env.rollouts:
                lines.append(paint(f"     rollout: {env.rollouts[change.key]}", "dim"))
    return "\n".join(lines) + "\n"
