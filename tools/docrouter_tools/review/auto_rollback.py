"""Automatic rollback, the `helm upgrade --atomic` of this repository: decide whether a Flux failure
reverts the revision that caused it, and record that it did.

Flux sends a layer's error events to GitHub as repository_dispatch (platform/auto_rollback.py);
.github/workflows/auto-rollback.yml hands the event to `docrouter auto-rollback decide`, which
says to roll back only when every rule below holds, and otherwise says which one did not:

- the event is a Kustomization's failed rollout (health check, apply or build) of an environment
  whose auto_rollback is on;
- the failing revision was not undone already (trailer Auto-rollback-of in the branch's history),
  is the newest revision of the environment (a later one is Flux's next try) and is not itself
  an auto-rollback (that would ping-pong: a person must look);
- the event is younger than the layer's Flux timeout plus its retry interval: an older one
  describes a state Flux has since retried (a still-failing layer sends a new event);
- the revision changed the failing layer (the committed dist/<env>/<layer>/ or the layer's
  Kustomization in clusters/<env>/, against its first parent): a failure elsewhere is an outage,
  not a bad commit;
- the pull request that merged it has no `no-auto-rollback` label.

The rollback itself is `make rollback ENV=<env> TO=<the revision before>`, the command a person runs;
`record` then rewrites that commit's message so it names the failed revision, the layer and Flux's
reason, with trailers `make history` reads back.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from docrouter.config import ConfigError, load_environment
from docrouter.constants import AUTO_ROLLBACK_ENV_KEY as ENV_METADATA_KEY
from docrouter.constants import FLUX_NAMESPACE
from docrouter.environment_files import ENV_NAME
from docrouter.paths import ENVIRONMENTS_DIR, REPO_ROOT
from docrouter.safe_yaml import safe_load
from docrouter_tools.review.git import files_at, git, resolve
from docrouter_tools.review.history import (
    TRAILER_ENV,
    TRAILER_LAYER,
    TRAILER_OF,
    TRAILER_PR,
    TRAILER_REASON,
    env_paths,
)

NO_AUTO_ROLLBACK_LABEL = "no-auto-rollback"
# Ready reasons of a rollout that failed on what the revision brought (kustomize-controller v1.8.5 uses
# the Ready condition's reason as the event's: kustomization_controller.go `event`; values from fluxcd/pkg
# apis/meta). Others (ArtifactFailed, DependencyNotReady, AccessDenied, …) are about the cluster or source.
ROLLOUT_FAILURES = ("HealthCheckFailed", "ReconciliationFailed", "BuildFailed")
# Flux's revision of a Git artifact: `<branch>@sha1:<commit>` or `sha1:<commit>` (fluxcd/pkg git/git.go).
FLUX_REVISION = re.compile(r"^(?:[^@\s]+@)?sha1:(?P<commit>[0-9a-f]{40})$")
# Go's time.Duration text as Flux writes `timeout`/`retryInterval` (e.g. 5m, 1h30m, 90s).
GO_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|m|s|ms)")
DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
MESSAGE_LIMIT = 600  # Flux messages may be 39,000 characters; a commit message keeps the start


@dataclass(frozen=True)
class Decision:
    act: bool
    why: str
    env: str = ""
    layer: str = ""
    failed: str = ""  # the environment's revision that broke the layer
    target: str = ""  # the revision before it, which `make rollback` restores
    reason: str = ""  # Flux's reason and message
    message: str = ""
    pr: int | None = None
    head: str = ""  # the commit the rollback goes on top of
    timeout_minutes: int = 0  # the layer's Flux timeout + retryInterval: the workflow's deadline


@dataclass(frozen=True)
class Event:
    env: str
    layer: str
    commit: str
    reason: str
    message: str
    timestamp: datetime


def parse_event(payload: object) -> Event | str:
    """The Flux event of a githubdispatch client_payload (fluxcd/pkg apis/event v1beta1 Event), or why not."""
    if not isinstance(payload, dict):
        return "the payload is not a JSON object"
    involved, metadata = (payload.get(key) for key in ("involvedObject", "metadata"))
    involved = involved if isinstance(involved, dict) else {}
    metadata = metadata if isinstance(metadata, dict) else {}
    kind, namespace, layer = (involved.get(k) for k in ("kind", "namespace", "name"))
    if kind != "Kustomization" or namespace != FLUX_NAMESPACE or not isinstance(layer, str):
        return f"the event is about {kind} {namespace}/{layer}, not a Kustomization in {FLUX_NAMESPACE}"
    if payload.get("severity") != "error":
        return f"the event's severity is {payload.get('severity')!r}, not 'error'"
    env = metadata.get(ENV_METADATA_KEY)
    if not isinstance(env, str) or not ENV_NAME.fullmatch(env):
        return f"the event has no environment (metadata.{ENV_METADATA_KEY}, set by the Alert's eventMetadata)"
    revision = FLUX_REVISION.match(str(metadata.get("revision", "")))
    if revision is None:
        return f"the event's metadata.revision {str(metadata.get('revision'))[:80]!r} names no Git commit"
    try:
        timestamp = datetime.fromisoformat(str(payload.get("timestamp")))
    except ValueError:
        return f"the event's timestamp {str(payload.get('timestamp'))[:40]!r} is not RFC 3339"
    if timestamp.tzinfo is None:
        return "the event's timestamp has no time zone"
    reason, message = str(payload.get("reason", "")), " ".join(str(payload.get("message", "")).split())
    return Event(env, layer, revision["commit"], reason, message, timestamp)


def go_duration(text: str) -> timedelta | None:
    parts = GO_DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return timedelta(seconds=sum(float(number) * DURATION_UNITS[unit] for number, unit in parts))


def env_revision(repo: Path, commit: str, env: str) -> str | None:
    """The newest commit at or before `commit`, on its first-parent line, that changed the environment."""
    found = git(repo, "log", "-1", "--first-parent", "--format=%H", commit, "--", *env_paths(env)).strip()
    return found or None


def trailers(repo: Path, commit: str, key: str) -> list[str]:
    out = git(repo, "log", "-1", f"--format=%(trailers:key={key},valueonly,separator=%x00)", commit)
    return [value.strip() for value in out.strip().split("\x00") if value.strip()]


def undone_by(repo: Path, commit: str) -> str | None:
    """The auto-rollback on the first-parent line of HEAD that undid `commit`, if any."""
    log = git(repo, "log", "--first-parent", f"--format=%H %(trailers:key={TRAILER_OF},valueonly,separator= )")
    return next((line.split()[0] for line in log.splitlines() if commit in line.split()[1:]), None)


def layer_kustomization(repo: Path, commit: str, env: str, layer: str) -> tuple[str, dict] | None:
    """(file, object) of the layer's Flux Kustomization in clusters/<env>/ at commit."""
    for path, data in files_at(repo, commit, (f"clusters/{env}",)).items():
        try:
            obj = safe_load(data)
        except yaml.YAMLError:
            continue
        if not isinstance(obj, dict) or obj.get("kind") != "Kustomization":
            continue
        if (obj.get("metadata") or {}).get("name") == layer:
            return path, obj
    return None


def pull_request(prs: object, commit: str) -> tuple[int | None, list[str]]:
    """(number, labels) of the PR that merged commit, from GitHub's `GET /repos/…/commits/{sha}/pulls`."""
    candidates = [p for p in prs if isinstance(p, dict)] if isinstance(prs, list) else []
    merged = [p for p in candidates if p.get("merge_commit_sha") == commit] or candidates
    if not merged or not isinstance(merged[0].get("number"), int):
        return None, []
    labels = [label.get("name") for label in merged[0].get("labels") or [] if isinstance(label, dict)]
    return merged[0]["number"], [name for name in labels if isinstance(name, str)]


def decide(repo: Path, payload: object, prs: object, now: datetime | None = None) -> Decision:
    """Roll back or not, and why: every rule of the module docstring, first failing rule wins."""
    event = parse_event(payload)
    if isinstance(event, str):
        return Decision(False, f"not a Flux rollout failure: {event}")
    no = _Refusal(event)
    if event.reason not in ROLLOUT_FAILURES:
        return no(f"Flux's reason {event.reason!r} is not a failed rollout ({', '.join(ROLLOUT_FAILURES)})")
    try:
        env = load_environment(event.env, repo / ENVIRONMENTS_DIR.relative_to(REPO_ROOT))
    except ConfigError as exc:
        return no(f"its environment cannot be read: {str(exc).splitlines()[0]}")
    if not env.auto_rollback_on:
        return no(f"auto_rollback is off for {env.name} (environments/{env.name}.yaml)")
    head = git(repo, "rev-parse", "HEAD").strip()
    if event.commit not in git(repo, "rev-list", "--first-parent", "HEAD").split():
        return no(f"revision {event.commit[:10]} is not on this branch's first-parent history")
    failed = env_revision(repo, event.commit, env.name)
    if failed is None:
        return no(f"no revision of {env.name} at or before {event.commit[:10]}")
    rolled_back = undone_by(repo, failed)
    if rolled_back:
        return no(f"{failed[:10]} was rolled back already, by {rolled_back[:10]} (once per revision)")
    newest = env_revision(repo, head, env.name)
    if newest != failed:
        return no(f"{failed[:10]} is not {env.name}'s newest revision: {str(newest)[:10]} changed it since")
    undid = trailers(repo, failed, TRAILER_OF)
    if undid:
        return no(f"{failed[:10]} is itself the auto-rollback of {undid[0][:10]}: a person must look")
    found = layer_kustomization(repo, failed, env.name, event.layer)
    if found is None:
        return no(f"{event.layer} is not a Flux Kustomization of clusters/{env.name}/")
    path, kustomization = found
    spec = kustomization.get("spec") or {}
    window = [go_duration(str(spec.get(key, ""))) for key in ("timeout", "retryInterval")]
    if window[0] is None or window[1] is None:
        return no(f"{path} has no readable timeout/retryInterval")
    deadline = window[0] + window[1]
    age = (now or datetime.now(UTC)) - event.timestamp
    if age > deadline:
        return no(
            f"the event is {_minutes(age)} old, older than {event.layer}'s timeout + retryInterval "
            f"({_minutes(deadline)}): Flux has retried since, and sends a new event if it still fails"
        )
    parent = resolve(repo, f"{failed}^1")
    layer_paths = [str(spec.get("path", "")).removeprefix("./"), path]
    if parent is None:
        return no(f"{failed[:10]} has no parent: there is no earlier revision to return to")
    if not git(repo, "diff", "--name-only", parent, failed, "--", *layer_paths).strip():
        return no(
            f"{failed[:10]} did not change {event.layer} ({', '.join(layer_paths)}): the failure is not "
            "this revision's (an outage of the cluster is not a bad commit)"
        )
    number, labels = pull_request(prs, failed)
    if NO_AUTO_ROLLBACK_LABEL in labels:
        return no(f"pull request #{number} carries the {NO_AUTO_ROLLBACK_LABEL} label", pr=number)
    target = env_revision(repo, parent, env.name)
    if target is None:
        return no(f"{env.name} has no revision before {failed[:10]} to return to", pr=number)
    return Decision(
        True,
        f"{event.layer} failed at {failed[:10]}, {env.name}'s newest revision, which changed it: "
        f"roll back to {target[:10]}",
        env.name,
        event.layer,
        failed,
        target,
        event.reason,
        event.message[:MESSAGE_LIMIT],
        number,
        head,
        math.ceil(deadline.total_seconds() / 60),
    )


class _Refusal:
    """Decision(False, …) that keeps what is known of the event (for the workflow's log)."""

    def __init__(self, event: Event):
        self.event = event

    def __call__(self, why: str, pr: int | None = None) -> Decision:
        e = self.event
        return Decision(False, why, e.env, e.layer, e.commit, reason=e.reason, message=e.message[:MESSAGE_LIMIT], pr=pr)


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:.0f} min"


class RecordError(Exception):
    """HEAD is not the rollback commit this decision asked for."""


def record(repo: Path, decision: Decision) -> str:
    """Reword the commit `make rollback` just made so it names what failed, with trailers; its new id."""
    if not decision.act or resolve(repo, "HEAD^1") != decision.head:
        raise RecordError(
            f"HEAD is not a rollback commit on top of {decision.head[:10] or '(no decision to act on)'}: "
            "run `make rollback` with the decision's env and target first"
        )
    subject = git(repo, "log", "-1", "--format=%s", decision.target).strip()
    original = git(repo, "log", "-1", "--format=%B", "HEAD").strip()
    pr = f" (pull request #{decision.pr})" if decision.pr else ""
    fields = [
        (TRAILER_OF, decision.failed),
        (TRAILER_ENV, decision.env),
        (TRAILER_LAYER, decision.layer),
        (TRAILER_REASON, decision.reason),
        *([(TRAILER_PR, str(decision.pr))] if decision.pr else []),
    ]
    paragraphs = [
        f"Auto-rollback {decision.env}: {decision.layer} failed at {decision.failed[:10]} ({decision.reason})",
        f"Flux reported Kustomization {FLUX_NAMESPACE}/{decision.layer} failed at revision {decision.failed}{pr}: "
        f"{decision.reason}: {decision.message}",
        f'Restored {decision.env} to {decision.target[:10]} ("{subject}"), its revision before, with '
        f"`make rollback ENV={decision.env} TO={decision.target}`. Its own message was:\n\n{original}",
        "\n".join(f"{key}: {value}" for key, value in fields),
    ]
    git(repo, "commit", "--amend", "-q", *(arg for text in paragraphs for arg in ("-m", text)))
    return git(repo, "rev-parse", "HEAD").strip()


def comment(decision: Decision, commit: str | None = None, failure: str | None = None) -> str:
    """The comment on the pull request that broke the layer (markdown)."""
    head = (
        f"**Auto-rollback of {decision.env}.** Flux reported that `{decision.layer}` failed after this pull request "
        f"was merged (revision `{decision.failed[:10]}`): **{decision.reason}**: {decision.message}"
    )
    if commit:
        outcome = (
            f"The repository rolled {decision.env} back to `{decision.target[:10]}` with commit `{commit[:10]}` "
            f"(`make history ENV={decision.env}` marks it). Fix the change and merge it again in a new pull request."
        )
    else:
        outcome = (
            f"The rollback could not be made: {failure or 'see the workflow run'}\n\n"
            f"If `main` moved on meanwhile (a rejected push), Flux is deploying the newer revision. Otherwise "
            f"roll back by hand: `make rollback ENV={decision.env} TO={decision.target[:10]}`, or `git revert` "
            "this pull request's merge commit."
        )
    how_to_stop = (
        f"A pull request labelled `{NO_AUTO_ROLLBACK_LABEL}` before merging is never rolled back "
        '(docs/reviewing.md, "Automatic rollback").'
    )
    return "\n\n".join([head, outcome, how_to_stop]) + "\n"
