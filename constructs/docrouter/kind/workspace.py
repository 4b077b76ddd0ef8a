"""Where the Kind loop reads and writes, and how it addresses the cluster.

All kubectl and flux commands name the Kind cluster's context explicitly, so the
loop can never act on whatever cluster the current context happens to point at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The local OCI registry (the standard kind local-registry recipe). Inside the
# cluster it is kind-registry:5000 (the OCIRepository in clusters/kind uses that);
# on this machine it is localhost:5001 (flux push and docker push use that).
REGISTRY_NAME = "kind-registry"
REGISTRY_PORT = 5000
REGISTRY_HOST_PORT = 5001
REGISTRY_IMAGE = "registry:2.8.3"
# The OCIRepository in clusters/kind/source.yaml and the tag it follows.
SOURCE_NAME = "doc-router"
ARTIFACT_TAG = "local"
ARTIFACT_URL = f"oci://localhost:{REGISTRY_HOST_PORT}/{SOURCE_NAME}:{ARTIFACT_TAG}"


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
