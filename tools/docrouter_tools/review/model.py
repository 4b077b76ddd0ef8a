"""What a review reports: objects that change, their fields, risk flags, rollouts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docrouter.identity import object_ref

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


def counted(number: int, noun: str) -> str:
    """`1 replica`, `2 replicas`, `0 risk flags`: a count with its noun in the right number."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass(frozen=True, order=True)
class ObjectKey:
    env: str
    kind: str
    namespace: str  # "" for cluster-scoped objects
    name: str

    def label(self) -> str:
        return object_ref(self.kind, self.namespace, self.name)


@dataclass(frozen=True)
class Manifest:
    """One object in one environment, as found in a file of the tree."""

    key: ObjectKey
    path: str
    body: dict

    @property
    def annotations(self) -> dict:
        return self.body.get("metadata", {}).get("annotations") or {}

    @property
    def is_sops(self) -> bool:
        return "sops" in self.body


@dataclass(frozen=True)
class FieldChange:
    path: str  # dotted, e.g. spec.template.spec.containers[0].image
    old: Any  # MISSING when the field was added
    new: Any  # MISSING when the field was removed


@dataclass
class ObjectChange:
    key: ObjectKey
    status: str  # ADDED, REMOVED or CHANGED
    fields: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class RiskFlag:
    id: str  # stable: prune-data, immutable-field, capacity, security, ingress, network-policy, network-flow, rename
    object: ObjectKey
    reason: str
    action: str


@dataclass(frozen=True)
class ImageChange:
    object: ObjectKey
    container: str
    old: str  # "" when the container is new
    new: str  # "" when the container is gone


@dataclass
class EnvReport:
    env: str
    changes: list[ObjectChange] = field(default_factory=list)
    risks: list[RiskFlag] = field(default_factory=list)
    images: list[ImageChange] = field(default_factory=list)
    rollouts: dict[ObjectKey, str] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for c in self.changes if c.status == status)

    def summary(self) -> str:
        return f"{self.count(ADDED)} added, {self.count(CHANGED)} changed, {self.count(REMOVED)} removed"


@dataclass
class Report:
    base: str
    head: str
    envs: list[EnvReport] = field(default_factory=list)
    # With two revisions: base's committed tree vs a synth of head's sources, when that differs from
    # head's committed tree (a hand edit); what the sources would deploy, beside what Flux will apply.
    sources: Report | None = None

    @property
    def risks(self) -> list[RiskFlag]:
        return [r for env in self.envs for r in env.risks]


class _Missing:
    """Marks a field that is absent on one side of a change."""

    def __repr__(self) -> str:
        return "(absent)"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()
