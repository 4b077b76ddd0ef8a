"""`docrouter auto-rollback revision|decide|record|comment`: the steps of .github/workflows/auto-rollback.yml.

Every step reads files the workflow wrote (the dispatch's client_payload, GitHub's list of the pull
requests of a commit, the decision) so nothing from the event is ever spliced into a shell command.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from docrouter.exit_codes import FINDINGS, OK
from docrouter.paths import REPO_ROOT
from docrouter_tools.review.auto_rollback import (
    Decision,
    RecordError,
    comment,
    decide,
    env_revision,
    parse_event,
    record,
)
from docrouter_tools.review.git import GitError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    steps = parser.add_subparsers(dest="step", required=True, metavar="<step>", title="steps")
    sub = steps.add_parser("revision", help="print the environment's revision an event is about (to find its PR)")
    sub.add_argument("--event", required=True, type=Path, help="the dispatch's client_payload (JSON file)")
    sub = steps.add_parser("decide", help="roll back or not, and why; writes the decision as JSON")
    sub.add_argument("--event", required=True, type=Path, help="the dispatch's client_payload (JSON file)")
    sub.add_argument("--pulls", type=Path, help="GitHub's `GET /repos/{repo}/commits/{revision}/pulls` (JSON file)")
    sub.add_argument("--out", required=True, type=Path, help="where to write the decision (JSON)")
    sub.add_argument("--now", type=datetime.fromisoformat, help=argparse.SUPPRESS)
    sub = steps.add_parser("record", help="reword the commit `make rollback` made: failed revision, layer, reason")
    sub.add_argument("--decision", required=True, type=Path)
    sub = steps.add_parser("comment", help="write the comment for the pull request that broke the layer")
    sub.add_argument("--decision", required=True, type=Path)
    outcome = sub.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--commit", help="the rollback commit that was pushed")
    outcome.add_argument("--failure", type=Path, help="what `make rollback` or the push printed when it failed")
    sub.add_argument("--out", required=True, type=Path)
    for step in steps.choices.values():
        step.add_argument("--repo", default=str(REPO_ROOT), help=argparse.SUPPRESS)


def _json(path: Path, what: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Unreadable(f"cannot read {what} {path}: {exc}") from None


class _Unreadable(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    repo = Path(args.repo)
    try:
        if args.step == "revision":
            event = parse_event(_json(args.event, "the event"))
            found = None if isinstance(event, str) else env_revision(repo, event.commit, event.env)
            print(found or "")
            return OK
        if args.step == "decide":
            pulls = _json(args.pulls, "the pull requests") if args.pulls else []
            decision = decide(repo, _json(args.event, "the event"), pulls, args.now)
            args.out.write_text(json.dumps(asdict(decision), indent=2) + "\n", encoding="utf-8")
            print(f"auto-rollback: {'ROLL BACK' if decision.act else 'nothing to do'}: {decision.why}")
            return OK
        decision = Decision(**_json(args.decision, "the decision"))  # type: ignore[arg-type]
        if args.step == "record":
            commit = record(repo, decision)
            print(f"auto-rollback: {commit[:10]} undoes {decision.failed[:10]} ({decision.env}, {decision.layer})")
            return OK
        failure = args.failure.read_text(encoding="utf-8", errors="replace")[-2000:].strip() if args.failure else None
        args.out.write_text(comment(decision, args.commit, failure), encoding="utf-8")
        return OK
    except (_Unreadable, GitError, RecordError, OSError, TypeError) as exc:
        print(f"auto-rollback {args.step} failed: {exc}", file=sys.stderr)
        return FINDINGS
