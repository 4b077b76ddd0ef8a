"""Findings as text (grouped per environment, one line each) or JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict

from .model import ERROR, SEVERITY_ORDER, Finding


def counts(findings: list[Finding]) -> dict[str, int]:
    return {severity: sum(1 for f in findings if f.severity == severity) for severity in SEVERITY_ORDER}


def format_line(finding: Finding) -> str:
    subject = finding.object or "-"
    where = finding.where or "-"
    return f"{finding.severity.upper():7} {finding.rule:28} {subject}  {where}: {finding.message}. Fix: {finding.fix}"


# Damaged input can produce thousands of findings of one rule; the terminal shows the first few of each.
MAX_PER_RULE = 20


def as_text(results: dict[str, list[Finding]]) -> str:
    lines = []
    for env, findings in results.items():
        tally = counts(findings)
        summary = ", ".join(f"{n} {severity}" for severity, n in tally.items() if n) or "no findings"
        lines.append(f"== {env}: {summary}")
        shown: Counter[str] = Counter()
        for finding in findings:
            shown[finding.rule] += 1
            if shown[finding.rule] <= MAX_PER_RULE:
                lines.append(f"  {format_line(finding)}")
        lines += [
            f"  … and {count - MAX_PER_RULE} more {rule} findings (`--format json` lists all)"
            for rule, count in shown.items() if count > MAX_PER_RULE
        ]
    total = sum(counts(f)[ERROR] for f in results.values())
    errors = f"{total} error" if total == 1 else f"{total} errors"
    lines.append(f"validate: {'FAILED, ' + errors if total else 'OK'} in {', '.join(results)}")
    return "\n".join(lines)


def as_json(results: dict[str, list[Finding]]) -> str:
    errors = sum(counts(f)[ERROR] for f in results.values())
    document = {
        "ok": errors == 0,
        "errors": errors,
        "environments": {
            env: {"counts": counts(findings), "findings": [asdict(f) for f in findings]}
            for env, findings in results.items()
        },
    }
    return json.dumps(document, indent=2)
