"""The README and docs/ state what the code does: reference tables equal the code's data, links resolve,
and every "see README, '…'" pointer in code, Makefile and config still leads to a document."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from conftest import REPO
from docrouter.config import environment_names, load_environment
from docrouter_tools.validate.rules import RULES

README = REPO / "README.md"
DOCS = REPO / "docs"


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def section(doc: Path, start: str, end: str) -> str:
    body = text(doc)
    return body[body.index(start) : body.index(end, body.index(start))]


def test_readme_is_short_and_starts_with_the_two_commands():
    lines = text(README).splitlines()
    assert 150 <= len(lines) <= 250, f"README.md has {len(lines)} lines; keep it 150-250 and move detail to docs/"
    first_block = text(README).split("```", 2)[1]
    assert "make synth" in first_block and "make test" in first_block
    assert text(README).index("make kind-up") < text(README).index("## Environments")  # local before cloud


# --- validate rule ids ---------------------------------------------------------------------------


def test_validate_doc_lists_every_rule_id_and_no_other():
    table = section(DOCS / "validate.md", "## What it checks", "## Reading a finding")
    documented = set(re.findall(r"`([a-z]+/[a-z-]+)`", table))
    assert documented == set(RULES), (
        f"docs/validate.md 'What it checks' is out of date: missing {sorted(set(RULES) - documented)}, "
        f"unknown {sorted(documented - set(RULES))} (rules: tools/docrouter_tools/validate/rules.py)"
    )
    families = {rule.split("/")[0] for rule in RULES}
    rows = set(re.findall(r"^\| ([a-z]+) \|", table, re.M)) - {"family"}
    assert rows == families - {"internal"}, "one table row per rule family (internal/ is explained below it)"


# --- risk flag ids -------------------------------------------------------------------------------


def risk_ids_in_code() -> set[str]:
    """First argument of every RiskFlag(...) in review/: a string literal or a module-level string constant."""
    ids = set()
    for path in sorted((REPO / "tools/docrouter_tools/review").glob("*.py")):
        tree = ast.parse(text(path))
        constants = {
            t.id: n.value.value
            for n in tree.body
            if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "RiskFlag" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    ids.add(first.value)
                else:
                    assert isinstance(first, ast.Name) and first.id in constants, f"{path.name}: unreadable risk id"
                    ids.add(constants[first.id])
    return ids


def test_risk_flag_table_lists_every_flag_the_diff_raises():
    table = section(DOCS / "reviewing.md", "## Reading risk flags", "## make history")
    documented = set(re.findall(r"^\| `([a-z-]+)` \|", table, re.M))
    code = risk_ids_in_code()
    assert len(code) >= 8, code  # the scan found the flags (a scan that finds nothing would pass vacuously)
    assert documented == code, (
        f"docs/reviewing.md risk flags: missing {sorted(code - documented)}, unknown {sorted(documented - code)}"
    )


# --- environments --------------------------------------------------------------------------------

ENVIRONMENT_ROWS = {
    "provider": lambda e: f"`{e.provider}`",
    "Kubernetes": lambda e: e.kubernetes_version,
    "URL": lambda e: f"`{e.public_url}`",
    "TLS issuer": lambda e: f"`{e.ingress.tls_issuer}`" if e.tls else "none",
    "replicas frontend / backend / worker": lambda e: " / ".join(
        (
            str(e.frontend.replicas),
            f"{e.backend.replicas}–{e.backend.autoscaling.max_replicas} (autoscaled)"
            if e.backend.autoscaling
            else str(e.backend.replicas),
            str(e.worker.replicas) if e.worker else "none (in the backend)",
        )
    ),
    "MongoDB": lambda e: (
        "external"
        if e.mongodb.mode == "external"
        else f"{e.mongodb.replicas} member{'s' * (e.mongodb.replicas > 1)}, {e.mongodb.storage_size}"
    ),
    "alerts": lambda e: f"Slack `{e.notifications.slack_channel}`" if e.notifications else "off",
    "auto-rollback": lambda e: "on" if e.auto_rollback_on else "off",
}


def readme_environment_table() -> dict[str, dict[str, str]]:
    """{environment: {row label: cell}} from the README's table (columns in any order)."""
    found = re.search(r"<!-- environments:begin -->\n(.*?)\n<!-- environments:end -->", text(README), re.S)
    assert found, "README.md lacks the <!-- environments:begin --> … <!-- environments:end --> table"
    header, _, *rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in found.group(1).splitlines()]
    columns = [name.strip("`") for name in header[1:]]
    return {env: {row[0]: row[1 + i] for row in rows} for i, env in enumerate(columns)}


def test_readme_environment_table_matches_the_environment_files():
    expected = {
        name: {label: cell(load_environment(name)) for label, cell in ENVIRONMENT_ROWS.items()}
        for name in environment_names()
    }
    assert readme_environment_table() == expected, (
        "README environment table is stale (environments/*.yaml); expected:\n"
        + "\n".join(f"{env}: {cells}" for env, cells in expected.items())
    )


# --- layers --------------------------------------------------------------------------------------


def flux_kustomizations(env: str) -> dict[str, dict]:
    """The synthesized Flux Kustomizations of clusters/<env>/, by name."""
    docs = [yaml.safe_load(path.read_text()) for path in sorted((REPO / "clusters" / env).glob("*.yaml"))]
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == "Kustomization"}


def apply_order(kustomizations: dict[str, dict]) -> list[str]:
    """The chain Flux follows: each Kustomization after the ones it dependsOn."""
    order: list[str] = []
    while len(order) < len(kustomizations):
        ready = [
            name
            for name, k in kustomizations.items()
            if name not in order and all(d["name"] in order for d in k["spec"].get("dependsOn", []))
        ]
        assert ready, "dependsOn has a cycle"
        order += sorted(ready)
    return order


def test_readme_layer_chain_and_platform_table_follow_the_flux_objects():
    production = flux_kustomizations("production")  # a TLS environment: it has every layer
    paragraph = text(README)[text(README).index("Each environment is split into layers") :]
    chain = re.findall(r"`([a-z-]+)`", paragraph[: paragraph.index("One Flux `Kustomization`")])
    assert chain == apply_order(production), f"README layer chain {chain}; Flux applies {apply_order(production)}"
    table = section(DOCS / "platform.md", "## Layers", "## What runs")
    documented = set(re.findall(r"^\| `([a-z/-]+)` \| `([a-z-]+)` \|", table, re.M))
    synthesized = {(k["spec"]["path"].removeprefix("./dist/production/"), name) for name, k in production.items()}
    assert documented == synthesized, f"docs/platform.md layers {sorted(documented)}, synthesized {sorted(synthesized)}"


def test_readme_kustomization_example_is_an_excerpt_of_the_synthesized_one():
    example = yaml.safe_load(text(README).split("```yaml\n", 1)[1].split("```", 1)[0])
    real = flux_kustomizations("staging")[example["metadata"]["name"]]

    def excerpt(shown, actual, where="") -> list[str]:
        if isinstance(shown, dict):
            return [
                e
                for k, v in shown.items()
                for e in excerpt(v, actual.get(k) if isinstance(actual, dict) else None, f"{where}.{k}")
            ]
        return [] if shown == actual else [f"{where}: README shows {shown!r}, clusters/staging has {actual!r}"]

    problems = excerpt(example, real)
    assert not problems, problems


# --- links and pointers --------------------------------------------------------------------------


def anchors(doc: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", text(doc), flags=re.S), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_relative_link_resolves():
    broken = []
    for doc in [README, *sorted(DOCS.glob("*.md"))]:
        for target in re.findall(r"\]\(([^)\s]+)\)", text(doc)):
            if re.match(r"[a-z]+:", target):
                continue  # external URL
            path, _, anchor = target.partition("#")
            dest = (doc.parent / path).resolve() if path else doc
            if not dest.exists() or (anchor and dest.suffix == ".md" and anchor not in anchors(dest)):
                broken.append(f"{doc.relative_to(REPO)}: {target}")
    assert not broken, broken


def readme_pointers() -> set[str]:
    """Section names that messages and comments send readers to: `README, 'Secrets'`, `README "Kind"`."""
    sources = [
        *sorted((REPO / "constructs/docrouter").rglob("*.py")),
        REPO / "Makefile",
        REPO / ".ci/run",
        REPO / ".sops.yaml",
        *sorted((REPO / "environments").glob("*.yaml")),
    ]
    names = set()
    for source in sources:
        for name in re.findall(r"""README,? ['"]([^'"]+)['"]""", text(source)):
            names.add(re.sub(r"\s*\n\s*#?\s*", " ", name))  # a name wrapped over comment lines
    return names


def test_every_readme_pointer_names_a_linked_document():
    pointers = readme_pointers()
    assert "Bootstrapping a real cluster" in pointers, pointers  # the scan works
    linked = set(re.findall(r"\[([^\]]+)\]\(docs/", text(README)))
    assert not {p for p in pointers if not any(p == name or p in name for name in linked)}, (pointers, linked)
