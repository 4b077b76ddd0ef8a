"""Findings as terminal text (one line per environment, its errors; everything with -v), markdown, JSON or YAML."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

from docrouter.output import markdown_table, structured
from docrouter_tools.validate.model import ERROR, SEVERITY_ORDER, Finding


def counts(findings: list[Finding]) -> dict[str, int]:
    return {severity: sum(1 for f in findings if f.severity == severity) for severity in SEVERITY_ORDER}


def format_line(finding: Finding) -> str:
    subject = finding.object or "-"
    where = finding.where or "-"
    return f"{finding.severity.upper():7} {finding.rule:28} {subject}  {where}: {finding.message}. Fix: {finding.fix}"


# Damaged input can produce thousands of findings of one rule; the terminal shows the first few of each.
MAX_PER_RULE = 20


def as_text(results: dict[str, list[Finding]], verbose: bool = True) -> str:
    """One summary line per environment; under it its errors (every finding with verbose)."""
    lines = []
    for env, findings in results.items():
        tally = counts(findings)
        summary = ", ".join(f"{n} {severity}" for severity, n in tally.items() if n) or "no findings"
        lines.append(f"== {env}: {'FAILED' if tally[ERROR] else 'OK'} ({summary})")
        shown: Counter[str] = Counter()
        for finding in findings:
            if not verbose and finding.severity != ERROR:
                continue
            shown[finding.rule] += 1
            if shown[finding.rule] <= MAX_PER_RULE:
                lines.append(f"  {format_line(finding)}")
        lines += [
            f"  … and {count - MAX_PER_RULE} more {rule} findings (`-o json` lists all)"
            for rule, count in shown.items()
            if count > MAX_PER_RULE
        ]
    total = sum(counts(f)[ERROR] for f in results.values())
    errors = f"{total} error" if total == 1 else f"{total} errors"
    if total:
        lines.append(f"validate: FAILED, {errors} in {', '.join(results)}")
    return "\n".join(lines)


def as_document(results: dict[str, list[Finding]]) -> dict:
    errors = sum(counts(f)[ERROR] for f in results.values())
    return {
        "ok": errors == 0,
        "errors": errors,
        "environments": {
            env: {"counts": counts(findings), "findings": [asdict(f) for f in findings]}
            for env, findings in results.items()
        },
    }


def as_markdown(results: dict[str, list[Finding]], verbose: bool) -> str:
    lines = []
    for env, findings in results.items():
        summary = ", ".join(f"{n} {severity}" for severity, n in counts(findings).items() if n) or "no findings"
        lines.append(f"### {env}: {summary}")
        rows = [
            (f.severity, f.rule, f.object or "-", f.where or "-", f.message, f.fix)
            for f in findings
            if verbose or f.severity == ERROR
        ]
        if rows:
            lines += ["", *markdown_table(("severity", "rule", "object", "where", "message", "fix"), rows)]
        lines.append("")
    return "\n".join(lines)


def render(results: dict[str, list[Finding]], fmt: str, verbose: bool = False) -> str:
    if fmt in ("json", "yaml"):
        return structured(as_document(results), fmt)
    if fmt == "markdown":
        return as_markdown(results, verbose)
    return as_text(results, verbose)
