""".github/workflows/ and the scripts their steps run (.ci/kind-e2e, .ci/resynth), offline: every tool
the steps call is a stub that records its arguments (tests/stub_tools.py), so the order, the pinned
versions and the failure handling are checked without Docker or the internet."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from docrouter.constants import FLUX_VERSION
from docrouter_tools.kind.cluster import KIND_VERSION
from stub_tools import StubTools

SCRIPT = REPO / ".ci/kind-e2e"
WORKFLOW = REPO / ".github/workflows/kind-e2e.yml"
TOOLS = ("docker", "kind", "kubectl", "flux", "git", "make", "go")
CTX = "kubectl --context kind-doc-router"


@pytest.fixture
def checkout(tmp_path):
    """The script cds to its checkout: a scratch one holding the script, the code it reads pins from,
    and .env.kind.example."""
    root = tmp_path / "checkout"
    (root / ".ci").mkdir(parents=True)
    shutil.copy2(SCRIPT, root / ".ci/kind-e2e")
    shutil.copytree(REPO / "constructs", root / "constructs", ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def stubs(tmp_path):
    tools = StubTools(tmp_path, TOOLS)
    tools.rule("go env GOPATH", stdout=f"{tmp_path}/go\n")
    tools.rule("flux version --client", stdout=f"flux: {FLUX_VERSION.removeprefix('v')}\n")
    tools.rule("make e2e", stdout="tests/test_kind_e2e.py::test_kind_loop_serves_the_app PASSED\n1 passed in 300s\n")
    return tools


def step(stubs: StubTools, checkout, command: str, **env: str) -> subprocess.CompletedProcess:
    (stubs.bin / "calls.jsonl").unlink(missing_ok=True)
    return subprocess.run(
        [str(checkout / ".ci/kind-e2e"), command],
        # Stubs first, so no real make/kind/kubectl/flux/go can run; coreutils for the script itself.
        env={"PATH": f"{stubs.bin}:/usr/bin:/bin", "PYTHON": sys.executable} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tools_installs_the_pinned_kind_and_checks_the_flux_cli(stubs, checkout, tmp_path):
    github_path = tmp_path / "github_path"
    result = step(stubs, checkout, "tools", GITHUB_PATH=str(github_path))
    assert result.returncode == 0, result.stderr
    assert stubs.calls() == [f"go install sigs.k8s.io/kind@{KIND_VERSION}", "go env GOPATH", "flux version --client"]
    assert github_path.read_text() == f"{tmp_path}/go/bin\n"


def test_tools_refuses_a_flux_cli_other_than_the_pinned_one(stubs, checkout):
    stubs.rules.clear()
    stubs.rule("flux version --client", stdout="flux: 2.9.6\n")
    result = step(stubs, checkout, "tools")
    assert result.returncode == 1
    assert f"not {FLUX_VERSION} (constants.py FLUX_VERSION)" in result.stderr


def test_loop_follows_docs_kind_and_waits_for_every_layer(stubs, checkout):
    result = step(stubs, checkout, "loop")
    assert result.returncode == 0, result.stderr
    assert stubs.calls() == [
        "make kind-up KIND_CLUSTER=doc-router",
        "make kind-secrets KIND_CLUSTER=doc-router",
        "make kind-deploy KIND_CLUSTER=doc-router TIMEOUT=20m",
        f"{CTX} -n flux-system wait kustomizations.kustomize.toolkit.fluxcd.io --all --for=condition=Ready "
        "--timeout=5m",
        f"{CTX} wait helmreleases.helm.toolkit.fluxcd.io --all --all-namespaces --for=condition=Ready --timeout=5m",
        "flux --context kind-doc-router get kustomizations",
    ]
    env_kind = (checkout / ".env.kind").read_text()
    assert re.fullmatch(r"ADMIN_EMAIL=e2e@example\.com\nADMIN_PASSWORD=[A-Za-z0-9]{16,}\n", env_kind)


def test_loop_stops_at_the_first_failing_step(stubs, checkout):
    stubs.rule("make kind-deploy", exit=1)
    result = step(stubs, checkout, "loop")
    assert result.returncode == 1
    assert stubs.calls()[-1].startswith("make kind-deploy") and not any("wait" in c for c in stubs.calls())


def test_e2e_frees_the_ports_then_runs_the_kind_test(stubs, checkout):
    result = step(stubs, checkout, "e2e")
    assert result.returncode == 0, result.stderr
    assert stubs.calls() == ["make kind-down KIND_CLUSTER=doc-router", "make e2e"]


def test_a_skipped_e2e_test_fails_the_workflow(stubs, checkout):
    stubs.rules.clear()
    stubs.rule("make e2e", stdout="SKIPPED [1] tests/test_kind_e2e.py:75: Kind e2e: needs kind\n1 skipped in 1s\n")
    result = step(stubs, checkout, "e2e")
    assert result.returncode == 1
    assert "did not run the Kind test" in result.stderr


def test_diagnose_never_fails(stubs, checkout):
    stubs.rule("make kind-status", exit=2)
    stubs.rule("kubectl", exit=1)
    assert step(stubs, checkout, "diagnose").returncode == 0
    assert stubs.calls()[0] == "make kind-status KIND_CLUSTER=doc-router"


def test_an_unknown_step_is_a_usage_error(stubs, checkout):
    result = step(stubs, checkout, "deploy")
    assert result.returncode == 2 and "usage: .ci/kind-e2e" in result.stderr


def test_the_workflow_runs_these_steps_with_the_pinned_flux_on_kind_changes():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    paths = workflow[True]["pull_request"]["paths"]  # YAML 1.1 reads the key `on` as True
    assert {"dist/kind/**", "clusters/kind/**", "tools/docrouter_tools/kind/**", ".ci/kind-e2e"} <= set(paths)
    (job,) = workflow["jobs"].values()
    assert job["env"]["FLUX_VERSION"] == FLUX_VERSION
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert runs[1:5] == [".ci/kind-e2e tools", ".ci/kind-e2e loop", ".ci/kind-e2e e2e", ".ci/kind-e2e diagnose"]
    flux_action = next(s for s in job["steps"] if s.get("uses", "").startswith("fluxcd/flux2/action@"))
    assert flux_action["with"]["version"] == "${{ env.FLUX_VERSION }}"


@pytest.mark.parametrize("workflow", sorted((REPO / ".github/workflows").glob("*.yml")), ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_digest_with_its_tag(workflow):
    uses = re.findall(r"uses: (\S+)(.*)", workflow.read_text())
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r" # v\d+\.\d+\.\d+", comment), f"{action}: the tag goes in a comment ({comment!r})"


@pytest.mark.parametrize("workflow", sorted((REPO / ".github/workflows").glob("*.yml")), ids=lambda p: p.name)
def test_no_expression_is_spliced_into_a_shell_script(workflow):
    for job in yaml.safe_load(workflow.read_text())["jobs"].values():
        for s in job["steps"]:
            assert "${{" not in s.get("run", ""), f"{s.get('name')}: pass inputs through env, not into the script"


# --- .ci/resynth: Renovate's branches get the regenerated requirements.txt and dist/ ------------------


@pytest.fixture
def resynth_checkout(tmp_path):
    root = tmp_path / "resynth"
    (root / ".ci").mkdir(parents=True)
    shutil.copy2(REPO / ".ci/resynth", root / ".ci/resynth")
    return root


def resynth(stubs: StubTools, root, *args: str) -> subprocess.CompletedProcess:
    (stubs.bin / "calls.jsonl").unlink(missing_ok=True)
    return subprocess.run(
        [str(root / ".ci/resynth"), *args],
        env={"PATH": f"{stubs.bin}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_resynth_regenerates_commits_and_pushes_to_the_renovate_branch(stubs, resynth_checkout):
    stubs.rules.clear()
    stubs.rule("git diff --quiet origin/main...HEAD -- requirements.in", exit=1)  # requirements.in changed
    stubs.rule("git diff --cached --quiet", exit=1)  # something was regenerated
    result = resynth(stubs, resynth_checkout, "renovate/cdk8s-2.x")
    assert result.returncode == 0, result.stderr
    calls = stubs.calls()
    assert calls[:4] == [
        "git diff --quiet origin/main...HEAD -- requirements.in",
        "make requirements",
        "make synth",
        "git add -A -- requirements.txt dist clusters",
    ]
    assert calls[-1] == "git push origin HEAD:refs/heads/renovate/cdk8s-2.x"


def test_resynth_pushes_nothing_when_everything_is_current(stubs, resynth_checkout):
    stubs.rules.clear()
    result = resynth(stubs, resynth_checkout, "renovate/kind")
    assert result.returncode == 0 and "already current" in result.stdout
    assert "make requirements" not in stubs.calls() and not [c for c in stubs.calls() if "push" in c]


def test_resynth_refuses_other_branches(stubs, resynth_checkout):
    result = resynth(stubs, resynth_checkout, "main")
    assert result.returncode == 2 and "not a Renovate branch" in result.stderr
    assert stubs.calls() == []
