"""Security regressions: a problem the new version has and the old one did not.

Pod templates come from kinds.py, so the container overrides of MongoDBCommunity/MongoDBSearch count too: the
operator merges them into the pods it creates. In an override an unset field is the operator's own (secure)
default, so only what the override itself sets is judged there.
"""

from __future__ import annotations

from docrouter.kinds import template_containers, templates
from docrouter.pod_templates import unpinned
from docrouter_tools.review.model import REMOVED, Manifest, ObjectChange, RiskFlag

HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")
ACTIONS = {
    "privileged": "Drop privileged: true; grant only the specific capability needed.",
    "root": "Set runAsNonRoot: true and a non-zero runAsUser (pod or container securityContext).",
    "capabilities": "Remove capabilities.add, or justify each capability in the PR.",
    "host": "Do not share host namespaces unless this is a node agent that needs them.",
    "plain-secret": "Encrypt the Secret with SOPS (make secrets-edit) instead of committing plain values.",
    "image": "Pin a released image tag (e.g. 1.4.2) or a digest.",
}


def _container_issues(pod: dict, container: dict, override: bool) -> list[tuple[str, str]]:
    name = container.get("name", "?")
    context = container.get("securityContext") or {}
    pod_context = pod.get("securityContext") or {}
    issues = []
    if context.get("privileged"):
        issues.append(("privileged", f"container {name} runs privileged"))
    user = context.get("runAsUser", pod_context.get("runAsUser"))
    non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
    # In an override an unset runAsNonRoot is the operator's; only an explicit false says root may run.
    if user == 0 or (not user and (non_root is False if override else not non_root)):
        issues.append(("root", f"container {name} may run as root (runAsUser {user}, runAsNonRoot {non_root})"))
    added = (context.get("capabilities") or {}).get("add") or []
    if added:
        issues.append(("capabilities", f"container {name} adds capabilities {', '.join(map(str, added))}"))
    image = str(container.get("image", ""))
    problem = unpinned(image) if image or not override else None
    if problem:
        wording = "untagged" if problem == "no tag" else "latest"
        issues.append(("image", f"container {name} uses image {image!r}: {wording}, not pinned"))
    return issues


def security_issues(body: dict) -> dict[str, str]:
    """Issue text → action, for one object."""
    issues: list[tuple[str, str]] = []
    if body.get("kind") == "Secret" and "sops" not in body and (body.get("data") or body.get("stringData")):
        issues.append(("plain-secret", "Secret holds plain (unencrypted) data in git"))
    for template in templates(body):
        pod = template.body.get("spec")
        pod = pod if isinstance(pod, dict) else {}
        where = f"{template.path}: " if template.override else ""
        issues += [("host", f"{where}pod shares the host's {field}") for field in HOST_NAMESPACES if pod.get(field)]
        for _, container in template_containers(template):
            issues += [(k, where + text) for k, text in _container_issues(pod, container, template.override)]
    return {text: ACTIONS[kind] for kind, text in issues}


def security_risks(changes: list[ObjectChange], old: dict, new: dict[object, Manifest]) -> list[RiskFlag]:
    flags = []
    for change in changes:
        if change.status == REMOVED:
            continue
        before = security_issues(old[change.key].body) if change.key in old else {}
        for text, action in security_issues(new[change.key].body).items():
            if text not in before:
                flags.append(RiskFlag("security", change.key, f"security regression: {text}.", action))
    return flags
