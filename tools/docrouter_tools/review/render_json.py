"""Report as JSON for tools; values are the (already redacted) report values."""

from __future__ import annotations

import json

from docrouter_tools.review.model import MISSING, ObjectKey, Report


def _key(key: ObjectKey) -> dict:
    return {"kind": key.kind, "namespace": key.namespace, "name": key.name}


def _value(value: object) -> object:
    return None if value is MISSING else value


def report_dict(report: Report) -> dict:
    return {
        "sources": report_dict(report.sources) if report.sources else None,
        "base": report.base,
        "head": report.head,
        "risk_count": len(report.risks),
        "environments": [
            {
                "env": env.env,
                "summary": {
                    "added": env.count("added"),
                    "changed": env.count("changed"),
                    "removed": env.count("removed"),
                },
                "risks": [
                    {"id": r.id, "object": _key(r.object), "reason": r.reason, "action": r.action} for r in env.risks
                ],
                "images": [
                    {"object": _key(i.object), "container": i.container, "old": i.old, "new": i.new} for i in env.images
                ],
                "objects": [
                    {
                        **_key(c.key),
                        "status": c.status,
                        "fields": [
                            {
                                "path": f.path,
                                "old": _value(f.old),
                                "new": _value(f.new),
                                "absent_before": f.old is MISSING,
                                "absent_after": f.new is MISSING,
                            }
                            for f in c.fields
                        ],
                        "rollout": env.rollouts.get(c.key),
                    }
                    for c in env.changes
                ],
            }
            for env in report.envs
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, sort_keys=False, default=str) + "\n"
