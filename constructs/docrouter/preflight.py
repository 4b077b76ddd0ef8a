"""Before a tool runs anything: are the programs it needs installed and answering?

Each missing program is named on its own line with how to install it, all at once,
so one run tells the user everything to fix.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable

from docrouter.runner import CommandError, probe

INSTALL_HINTS = {
    "docker": "Docker Engine or Docker Desktop: https://docs.docker.com/get-docker/",
    "kind": "kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation"
    " (e.g. `go install sigs.k8s.io/kind@latest`)",
    "kubectl": "kubectl: https://kubernetes.io/docs/tasks/tools/#kubectl",
    "flux": "Flux CLI: https://fluxcd.io/flux/installation/#install-the-flux-cli"
    " (e.g. `curl -s https://fluxcd.io/install.sh | sudo bash`)",
}
DOCKER_DAEMON_TIMEOUT_SECONDS = 20


class PreflightError(Exception):
    """Something this command needs is missing; the message says what and how to get it."""


def require(programs: Iterable[str], *, docker_daemon: bool = False) -> None:
    programs = list(programs)
    missing = [name for name in programs if shutil.which(name) is None]
    problems = [f"  - {name} is not installed (or not on PATH). Install {INSTALL_HINTS[name]}" for name in missing]
    if docker_daemon and "docker" not in missing:
        problem = _docker_daemon_problem()
        if problem:
            problems.append(f"  - {problem}")
    if problems:
        raise PreflightError("missing prerequisites:\n" + "\n".join(problems))


def _docker_daemon_problem() -> str | None:
    try:
        answer = probe(["docker", "info", "--format", "{{.ServerVersion}}"], timeout=DOCKER_DAEMON_TIMEOUT_SECONDS)
    except CommandError as exc:
        return f"the Docker daemon does not answer: {exc}. Start Docker Desktop or `sudo systemctl start docker`"
    if not answer.ok:
        return (
            "the Docker daemon does not answer (`docker info` failed). "
            "Start Docker Desktop or `sudo systemctl start docker`, and check you may use it (`docker ps`)"
        )
    return None
