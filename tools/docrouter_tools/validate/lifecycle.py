"""The environment's Kubernetes version against its provider's calendar (providers.py), on today's date.

Synth already refuses a version the provider does not offer; this warns while there is still time to
upgrade: from SUPPORT_WARNING_DAYS before the end of standard support, and after it (EKS then bills
extended support, DOKS upgrades the cluster itself). Warnings never fail `make validate`, so the calendar
alone never turns CI red; the tests pass a fixed `today`.
"""

from __future__ import annotations

import datetime

from docrouter.config import environment_file
from docrouter.providers import PROVIDERS, SUPPORT_WARNING_DAYS
from docrouter_tools.validate.inventory import Inventory
from docrouter_tools.validate.model import WARNING, Finding, file_finding

RULE = "lifecycle/kubernetes-support"


def check_kubernetes_support(inventory: Inventory, today: datetime.date | None = None) -> list[Finding]:
    env = inventory.env
    today = today or datetime.date.today()
    provider = PROVIDERS[env.provider]
    support = provider.support_of(env.kubernetes_version)
    if support is None:  # synth refuses it first; kept so a hand-built Environment cannot slip past
        return []
    end = support.end_of_standard_support
    days = (end - today).days
    if days > SUPPORT_WARNING_DAYS:
        return []
    when = f"ended on {end}" if days < 0 else f"ends on {end}, in {days} days"
    estimate = " (an estimate: the provider has published no date yet)" if support.estimated else ""
    newer = sorted(
        (v for v, s in provider.kubernetes_versions.items() if s.end_of_standard_support > end),
        key=lambda v: tuple(map(int, v.split("."))),
    )
    target = f"to {newer[-1]}" if newer else "to the provider's newest version (update providers.py first)"
    message = (
        f"{env.provider} standard support for Kubernetes {env.kubernetes_version} {when}{estimate} "
        f"(source: {provider.kubernetes_source})"
    )
    fix = f"upgrade the cluster and kubernetes_version in {environment_file(env.name)} {target}"
    return [file_finding(RULE, environment_file(env.name), message, fix, severity=WARNING)]
