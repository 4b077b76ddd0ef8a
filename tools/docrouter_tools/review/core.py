"""The pure core: two trees of rendered files in, a per-environment report out."""

from __future__ import annotations

from collections.abc import Mapping

from docrouter_tools.review.fields import field_changes
from docrouter_tools.review.manifests import parse_tree
from docrouter_tools.review.model import (
    ADDED,
    CHANGED,
    REMOVED,
    EnvReport,
    ImageChange,
    Manifest,
    ObjectChange,
    ObjectKey,
    Report,
)
from docrouter_tools.review.podspec import images
from docrouter_tools.review.risks import env_risks
from docrouter_tools.review.rollout import explain_rollout
from docrouter_tools.review.secret_diff import comparable_secrets


def _comparable(old: Manifest, new: Manifest) -> tuple[dict, dict]:
    if old.key.kind == "Secret":
        return comparable_secrets(old.body, new.body)
    return old.body, new.body


def object_changes(old: dict[ObjectKey, Manifest], new: dict[ObjectKey, Manifest]) -> list[ObjectChange]:
    changes = [ObjectChange(k, ADDED) for k in new.keys() - old.keys()]
    changes += [ObjectChange(k, REMOVED) for k in old.keys() - new.keys()]
    for key in old.keys() & new.keys():
        fields = field_changes(*_comparable(old[key], new[key]))
        if fields:
            changes.append(ObjectChange(key, CHANGED, fields))
    return sorted(changes, key=lambda c: c.key)


def image_changes(changes: list[ObjectChange], old: dict, new: dict) -> list[ImageChange]:
    result = []
    for change in changes:
        before = images(old[change.key].body) if change.key in old else {}
        after = images(new[change.key].body) if change.key in new else {}
        for container in sorted(before.keys() | after.keys()):
            if before.get(container, "") != after.get(container, ""):
                result.append(ImageChange(change.key, container, before.get(container, ""), after.get(container, "")))
    return result


def rollouts(changes: list[ObjectChange], new: dict) -> dict[ObjectKey, str]:
    result = {}
    for change in changes:
        if change.status != CHANGED or change.key.kind != "Deployment":
            continue
        if any(f.path.startswith("spec.template") for f in change.fields):
            result[change.key] = explain_rollout(new[change.key], new)
        else:
            result[change.key] = "no rollout: the pod template is unchanged, running pods stay"
    return result


def diff_environment(env: str, old: dict[ObjectKey, Manifest], new: dict[ObjectKey, Manifest]) -> EnvReport:
    changes = object_changes(old, new)
    return EnvReport(
        env=env,
        changes=changes,
        risks=env_risks(changes, old, new),
        images=image_changes(changes, old, new),
        rollouts=rollouts(changes, new),
    )


def diff_manifests(
    old: Mapping[str, str | bytes], new: Mapping[str, str | bytes], base: str = "old", head: str = "new"
) -> Report:
    """Compare two trees (repository path → file text) of dist/ and clusters/ files."""
    old_objects, new_objects = parse_tree(old), parse_tree(new)
    report = Report(base=base, head=head)
    for env in sorted({k.env for k in old_objects} | {k.env for k in new_objects}):
        old_env = {k: m for k, m in old_objects.items() if k.env == env}
        new_env = {k: m for k, m in new_objects.items() if k.env == env}
        report.envs.append(diff_environment(env, old_env, new_env))
    return report
