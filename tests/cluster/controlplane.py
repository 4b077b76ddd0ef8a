"""A real Kubernetes control plane on 127.0.0.1, as envtest starts one, plus the rest of a cluster.

etcd and kube-apiserver (secure port, client-certificate authentication, service-account keys, RBAC
and the PodSecurity admission plugin, as controller-runtime's envtest configures them), then
kube-controller-manager, kube-scheduler and KWOK with fake nodes, so Deployments really roll out.
Binaries come from KUBEBUILDER_ASSETS (setup-envtest's folder) or from `make control-plane`'s cache.
Every process logs to a file in the run's folder; nothing listens anywhere but 127.0.0.1.
"""

from __future__ import annotations

import datetime
import importlib.util
import ipaddress
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "tools" / "control-plane" / "build.py"
ENVTEST_BINARIES = ("etcd", "kube-apiserver", "kubectl")  # what `setup-envtest use` provides
CLUSTER_BINARIES = ("kube-controller-manager", "kube-scheduler", "kwok")
FLUX_BINARIES = ("kustomize-controller",)
HOW_TO_GET = "run `make control-plane` (builds them offline from the Go module proxy) or set KUBEBUILDER_ASSETS"
LOCALHOST = "127.0.0.1"


def _built_folder() -> Path | None:
    """The folder `make control-plane` fills for the current wrapper modules, if it is complete."""
    spec = importlib.util.spec_from_file_location("control_plane_build", BUILD_SCRIPT)
    if spec is None or spec.loader is None:
        return None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    try:
        folder: Path = build.cache_root() / build.version_hash(build.go_version())
    except (OSError, subprocess.CalledProcessError):  # no Go on this machine
        return None
    return folder if (folder / build.COMPLETE).is_file() else None


def find_binaries() -> dict[str, Path]:
    """Each binary from KUBEBUILDER_ASSETS first, then from the build cache; absent ones are left out."""
    folders = [Path(p) for p in [os.environ.get("KUBEBUILDER_ASSETS", "")] if p]
    built = _built_folder()
    if built is not None:
        folders.append(built)
    found: dict[str, Path] = {}
    for name in (*ENVTEST_BINARIES, *CLUSTER_BINARIES, *FLUX_BINARIES, "kwok.yaml"):
        for folder in folders:
            if (folder / name).is_file():
                found[name] = folder / name
                break
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.create_connection((LOCALHOST, port), timeout=1):
        return True


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: x509.Name, key: ec.EllipticCurvePrivateKey, issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name = issuer[0] if issuer else subject
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def write_pki(folder: Path) -> None:
    """A CA, the API server's serving certificate, an admin client certificate, service-account keys."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "docrouter-test-ca")])
    ca = (
        _certificate(ca_name, ca_key, None)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "ca.key").write_bytes(_pem_key(ca_key))

    def leaf(name: str, subject: x509.Name, usage: x509.ObjectIdentifier, sans: list[x509.GeneralName]) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = _certificate(subject, key, (ca_name, ca_key)).add_extension(
            x509.ExtendedKeyUsage([usage]), critical=False
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        (folder / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (folder / f"{name}.key").write_bytes(_pem_key(key))

    leaf(
        "apiserver",
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]),
        x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOCALHOST))],
    )
    # system:masters, like envtest's admin user: the tests apply what Flux (cluster-admin) applies.
    leaf(
        "admin",
        x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
                x509.NameAttribute(NameOID.COMMON_NAME, "docrouter-admin"),
            ]
        ),
        x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH,
        [],
    )
    sa_key = ec.generate_private_key(ec.SECP256R1())
    (folder / "sa.key").write_bytes(_pem_key(sa_key))
    (folder / "sa.pub").write_bytes(
        sa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


@dataclass
class ControlPlane:
    binaries: dict[str, Path]
    folder: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    port: int = 0

    @property
    def pki(self) -> Path:
        return self.folder / "pki"

    @property
    def kubeconfig(self) -> Path:
        return self.folder / "kubeconfig"

    @property
    def url(self) -> str:
        return f"https://{LOCALHOST}:{self.port}"

    def log(self, name: str) -> Path:
        return self.folder / "logs" / f"{name}.log"

    def _start(self, name: str, args: list[str]) -> None:
        self.log(name).parent.mkdir(parents=True, exist_ok=True)
        with self.log(name).open("wb") as out:
            self.processes[name] = subprocess.Popen(
                [str(self.binaries[name]), *args], stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )

    def _wait(self, name: str, ready: Callable[[], bool], timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                tail = self.log(name).read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {self.processes[name].returncode}; its log ends:\n{tail}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{name} was not ready within {timeout:.0f} s; see {self.log(name)}")

    def _https_ok(self, path: str) -> bool:
        context = ssl.create_default_context(cafile=str(self.pki / "ca.crt"))
        context.load_cert_chain(str(self.pki / "admin.crt"), str(self.pki / "admin.key"))
        with urllib.request.urlopen(f"{self.url}{path}", context=context, timeout=5) as response:
            return bool(response.status == 200)

    def start_api(self) -> None:
        """etcd and kube-apiserver: enough to apply and read objects."""
        write_pki(self.pki)
        etcd_client, etcd_peer = free_port(), free_port()
        self._start(
            "etcd",
            [
                f"--data-dir={self.folder / 'etcd'}",
                "--name=default",
                f"--listen-client-urls=http://{LOCALHOST}:{etcd_client}",
                f"--advertise-client-urls=http://{LOCALHOST}:{etcd_client}",
                f"--listen-peer-urls=http://{LOCALHOST}:{etcd_peer}",
                f"--initial-advertise-peer-urls=http://{LOCALHOST}:{etcd_peer}",
                f"--initial-cluster=default=http://{LOCALHOST}:{etcd_peer}",
                "--unsafe-no-fsync=true",  # as envtest: a test's etcd need not survive a power cut
            ],
        )
        self.port = free_port()
        pki = self.pki
        self._start(
            "kube-apiserver",
            [
                f"--etcd-servers=http://{LOCALHOST}:{etcd_client}",
                f"--bind-address={LOCALHOST}",
                f"--advertise-address={LOCALHOST}",
                f"--secure-port={self.port}",
                f"--cert-dir={self.folder / 'apiserver-certs'}",
                f"--tls-cert-file={pki / 'apiserver.crt'}",
                f"--tls-private-key-file={pki / 'apiserver.key'}",
                f"--client-ca-file={pki / 'ca.crt'}",
                f"--service-account-key-file={pki / 'sa.pub'}",
                f"--service-account-signing-key-file={pki / 'sa.key'}",
                f"--service-account-issuer={self.url}",
                "--service-cluster-ip-range=10.0.0.0/24",
                # The `kubernetes` Service's endpoints may not be loopback; nothing in a test dials it.
                "--endpoint-reconciler-type=none",
                "--authorization-mode=Node,RBAC",
                # On by default since 1.25; named so that turning it off is a visible change here.
                "--enable-admission-plugins=PodSecurity",
                "--allow-privileged=true",
                "--profiling=false",
            ],
        )
        self._wait("etcd", lambda: _listening(etcd_client))
        self._wait("kube-apiserver", lambda: self._https_ok("/readyz"))
        self.kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [
                        {"name": "test", "cluster": {"server": self.url, "certificate-authority": str(pki / "ca.crt")}}
                    ],
                    "users": [
                        {
                            "name": "admin",
                            "user": {
                                "client-certificate": str(pki / "admin.crt"),
                                "client-key": str(pki / "admin.key"),
                            },
                        }
                    ],
                    "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
                    "current-context": "test",
                }
            )
        )

    def start_cluster(self) -> None:
        """kube-controller-manager, kube-scheduler and KWOK: Deployments roll out onto fake nodes."""
        pki, kubeconfig = self.pki, f"--kubeconfig={self.kubeconfig}"
        self._start(
            "kube-controller-manager",
            [
                kubeconfig,
                f"--service-account-private-key-file={pki / 'sa.key'}",
                f"--root-ca-file={pki / 'ca.crt'}",
                "--use-service-account-credentials=false",
                "--leader-elect=false",
                f"--bind-address={LOCALHOST}",
                "--secure-port=0",
                "--cluster-cidr=10.1.0.0/16",
                "--allocate-node-cidrs=false",
            ],
        )
        self._start("kube-scheduler", [kubeconfig, "--leader-elect=false", "--secure-port=0"])
        self._start(
            "kwok",
            [
                kubeconfig,
                f"--config={self.binaries['kwok.yaml']}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--node-lease-duration-seconds=40",
                f"--node-ip={LOCALHOST}",
                "--cidr=10.1.0.0/16",
                f"--server-address={LOCALHOST}:{free_port()}",
            ],
        )
        time.sleep(0.5)
        for name in ("kube-controller-manager", "kube-scheduler", "kwok"):
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited at start; its log ends:\n{self.log(name).read_text()[-3000:]}")

    def stop(self) -> None:
        """Last started first, each gone before the next is told: etcd stopped while kube-apiserver still
        drains leaves the API server waiting on its storage (about ten seconds here instead of one)."""
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
