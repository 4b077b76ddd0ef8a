"""clusters/<env>/auto-rollback-*.yaml: how a failed layer reaches .github/workflows/auto-rollback.yml.

An Alert forwards the error events of the environment's layer Kustomizations to a Provider of
type githubdispatch, which sends each one to GitHub as a repository_dispatch: event_type
`Kustomization/<layer>.flux-system`, client_payload the Flux event itself
(fluxcd/notification-controller v1.8.4, internal/notifier/github_dispatch.go). The event carries
the failing revision: kustomize-controller v1.8.5 records it as `kustomize.toolkit.fluxcd.io/revision`
and the event server hands it on as `metadata.revision` (internal/server/event_handlers.go,
combineEventMetadata), next to the Alert's eventMetadata, where we put the environment's name.
What the workflow then does is decided by `docrouter auto-rollback` (tools/review/auto_rollback.py).
"""

from __future__ import annotations

from typing import Any

from docrouter import constants as c
from docrouter.config import Environment
from docrouter.platform.api_objects import Alert, NotificationProvider

NAME = "auto-rollback"


def auto_rollback_objects(env: Environment, layer_names: list[str]) -> list[dict[str, Any]]:
    """Provider and Alert for the environment, or nothing when auto_rollback is off."""
    if not env.auto_rollback_on:
        return []
    # No spec.address: the Secret's `address` key gives the repository (it replaces spec.address,
    # event_handlers.go createNotifier), so forks set it with the token, in one `make secrets-edit`.
    provider = {"type": "githubdispatch", "secretRef": {"name": c.GITHUB_DISPATCH_SECRET}}
    alert = {
        "providerRef": {"name": NAME},
        "eventSeverity": "error",
        # Each layer by name: the bootstrap Kustomization flux-system is not ours to revert.
        "eventSources": [{"kind": "Kustomization", "name": name} for name in layer_names],
        "eventMetadata": {c.AUTO_ROLLBACK_ENV_KEY: env.name},
    }
    return [_object(NotificationProvider, provider), _object(Alert, alert)]


def _object(of: type[NotificationProvider] | type[Alert], spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": of.API_VERSION,
        "kind": of.KIND,
        "metadata": {"name": NAME, "namespace": c.FLUX_NAMESPACE},
        "spec": spec,
    }
