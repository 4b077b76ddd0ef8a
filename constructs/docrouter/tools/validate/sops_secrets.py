"""The environment's SOPS Secrets: each one it reads is committed, and encrypted for .sops.yaml's recipients.

A fresh clone (or fork) commits no encrypted Secrets: nobody but their authors could decrypt
them. While .sops.yaml names no real recipient for an environment (the placeholder, or no
rule), its missing Secrets are warnings: it is not set up yet, and CI must pass. Once a real
recipient is there they are errors, because Flux would deploy the app without credentials.
"""

from __future__ import annotations

from docrouter.preflight import PreflightError
from docrouter.synthesis.checks import recipients_of
from docrouter.synthesis.sops_files import recipient_problem, source_path
from docrouter.tools.secrets.catalog import SECRETS
from docrouter.tools.secrets.init import secrets_of
from docrouter.tools.secrets.rules import creation_rule
from docrouter.tools.validate.inventory import Inventory
from docrouter.tools.validate.model import ERROR, WARNING, Finding, file_finding, object_finding


def check_sops_secrets(inventory: Inventory) -> list[Finding]:
    return _missing_secrets(inventory) + _wrong_recipients(inventory)


def _missing_secrets(inventory: Inventory) -> list[Finding]:
    env = inventory.env
    if env.cluster.is_local:
        return []  # Kind's Secrets come from .env.kind (`make kind-secrets`), never from git
    present = {(d.namespace, d.name) for d in inventory.of_kind("Secret")}
    findings = []
    for name in secrets_of(env):
        namespace = SECRETS[name][0]
        if (namespace, name) in present:
            continue
        where = source_path(env.name, namespace, name)
        try:
            creation_rule(inventory.root, where)
            configured = True
        except PreflightError:  # placeholder recipient, no rule for the environment, or no .sops.yaml
            configured = False
        fix = f"run `make secrets-init ENV={env.name}`"
        if not configured:
            fix += " after putting your age public key in .sops.yaml (README 'Bootstrapping a real cluster')"
        findings.append(
            file_finding(
                "sops/missing-secret",
                where,
                f"environment {env.name} has no {name}"
                + ("" if configured else " (.sops.yaml names no age recipient for it yet)"),
                fix,
                ERROR if configured else WARNING,
            )
        )
    return findings


def _wrong_recipients(inventory: Inventory) -> list[Finding]:
    findings = []
    for doc in inventory.of_kind("Secret"):
        if "sops" not in doc.obj or not recipients_of(doc.obj):
            continue  # plain Secrets are policy/plain-secret's
        problem = recipient_problem(inventory.env.name, inventory.root, doc.namespace or "", doc.name, doc.obj)
        if problem:
            findings.append(object_finding(doc, "sops/recipients", *problem))
    return findings
