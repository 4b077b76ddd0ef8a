"""The environment's SOPS Secrets: each one it reads is committed, and encrypted for .sops.yaml's recipients.

A fresh clone (or fork) commits no encrypted Secrets: nobody but their authors could decrypt
them. While .sops.yaml names no real recipient for an environment (the placeholder, or no
rule), its missing Secrets are warnings: it is not set up yet, and CI must pass. Once a real
recipient is there they are errors, because Flux would deploy the app without credentials.
"""

from __future__ import annotations

from docrouter.preflight import PreflightError
from docrouter.sops_rules import creation_rule
from docrouter.synthesis.checks import recipients_of
from docrouter.synthesis.secret_shape import SHAPE_FIX, shape_problem
from docrouter.synthesis.sops_files import recipient_problem, source_path
from docrouter_tools.secrets import sops
from docrouter_tools.secrets.catalog import SECRETS
from docrouter_tools.secrets.init import secrets_of
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.loading import walk_files
from docrouter_tools.validate.model import ERROR, INFO, WARNING, Finding, file_finding, object_finding


def check_sops_secrets(inventory: Inventory) -> list[Finding]:
    return (
        _missing_secrets(inventory)
        + _wrong_recipients(inventory)
        + _plain_fields(inventory)
        + _macs(inventory)
        + _stray_files(inventory)
    )


def _stray_files(inventory: Inventory) -> list[Finding]:
    """secrets/<env>/ holds SOPS files only: anything else is likely a decrypted copy about to be committed."""
    files, links = walk_files(inventory.root / "secrets" / inventory.env.name)
    return [
        file_finding(
            "sops/not-sops-file",
            path.relative_to(inventory.root).as_posix(),
            "is not a *.sops.yaml file; secrets/<env>/ holds SOPS-encrypted Secrets only",
            "delete it (never commit decrypted values); change values with "
            f"`make secrets-edit ENV={inventory.env.name}`",
        )
        for path in sorted([*links, *(f for f in files if not f.name.endswith(".sops.yaml"))])
    ]


def _macs(inventory: Inventory) -> list[Finding]:
    """A hand edit of a plain field breaks the MAC, and then sops and Flux refuse the file.

    Only a holder of the age key can check a MAC (it is encrypted with the file's data key), so
    with a key here every SOPS file is decrypted by sops (output discarded); without one, one info
    line says the MACs were not verified.
    """
    encrypted = [d for d in inventory.of_kind("Secret") if "sops" in d.obj]
    if not encrypted:
        return []
    try:
        available = sops.age_key_available() and bool(sops.sops_executable())
    except sops.SopsError:
        available = False
    if not available:
        return [
            file_finding(
                "sops/mac-unverified",
                f"dist/{inventory.env.name}",
                f"{len(encrypted)} SOPS file(s): MACs not verified (no age key here; only its holder can check them)",
                "set SOPS_AGE_KEY_FILE to verify them; Flux verifies them when it decrypts",
                INFO,
            )
        ]
    findings = []
    for doc in encrypted:
        problem = sops.verify_mac(inventory.root / doc.file)
        if problem == "mac":
            findings.append(
                object_finding(
                    doc,
                    "sops/mac-mismatch",
                    "the SOPS MAC does not match the file: a field was edited without sops, and sops and Flux "
                    "will refuse to decrypt it",
                    f"restore the file from git and change it with `make secrets-edit ENV={inventory.env.name}`",
                )
            )
        elif problem is not None:
            findings.append(
                object_finding(doc, "sops/mac-unverified", f"MAC not verified: {problem}", "none needed", INFO)
            )
    return findings


def _plain_fields(inventory: Inventory) -> list[Finding]:
    """A SOPS Secret carrying fields sops leaves in plain text (an exported annotation, say)."""
    findings = []
    for doc in inventory.of_kind("Secret"):
        if "sops" not in doc.obj:
            continue  # plain Secrets are policy/plain-secret's
        problem = shape_problem(doc.obj)
        if problem:
            findings.append(object_finding(doc, "sops/plain-field", problem, SHAPE_FIX))
    return findings


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
