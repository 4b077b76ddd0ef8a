"""Where the Kind loop reads and writes, and how it addresses the cluster.

All kubectl and flux commands name the Kind cluster's context explicitly, so the
loop can never act on whatever cluster the current context happens to point at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from docrouter.constants import KIND_ARTIFACT_TAG, KIND_REGISTRY_HOST_PORT, KIND_SOURCE_NAME

REGISTRY_IMAGE = "registry:2.8.3"
ARTIFACT_URL = f"oci://localhost:{KIND_REGISTRY_HOST_PORT}/{KIND_SOURCE_NAME}:{KIND_ARTIFACT_TAG}"


@dataclass(frozen=True)
class Workspace:
    root: Path
    cluster: str

    @property
    def context(self) -> str:
        return f"kind-{self.cluster}"

    @property
    def cache(self) -> Path:
        """Ignored by git (.cache/): the age key and generated credentials, per cluster."""
        return self.root / ".cache" / "kind" / self.cluster

    @property
    def age_key(self) -> Path:
        return self.cache / "age.agekey"

    @property
    def generated_secrets(self) -> Path:
        return self.cache / "generated-secrets.json"

    @property
    def kind_config(self) -> Path:
        return self.cache / "kind-config.yaml"

    @property
    def env_file(self) -> Path:
        return self.root / ".env.kind"

    @property
    def artifact_dir(self) -> Path:
        return self.root / "dist" / "kind"

    @property
    def flux_objects_dir(self) -> Path:
        return self.root / "clusters" / "kind"

    def kubectl(self, *args: str) -> list[str]:
        return ["kubectl", "--context", self.context, *args]

    def flux(self, *args: str) -> list[str]:
        return ["flux", "--context", self.context, *args]
