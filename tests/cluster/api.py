"""A few direct HTTPS calls to the test API server, for the loops that poll it.

kubectl is the tier's client everywhere a test applies or asserts; a loop that reads status several
times a second (the played controllers, the wait for Ready) calls the API itself: a kubectl process
costs a few hundred milliseconds of a shared core, a request on a kept-alive connection about one.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from dataclasses import dataclass, field

from cluster.controlplane import LOCALHOST, ControlPlane


class ApiError(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


@dataclass
class Api:
    plane: ControlPlane
    _local: threading.local = field(default_factory=threading.local)  # one connection per thread

    def _connection(self) -> http.client.HTTPSConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            context = ssl.create_default_context(cafile=str(self.plane.pki / "ca.crt"))
            context.load_cert_chain(str(self.plane.pki / "admin.crt"), str(self.plane.pki / "admin.key"))
            connection = http.client.HTTPSConnection(LOCALHOST, self.plane.port, context=context, timeout=30)
            self._local.connection = connection
        return connection

    def request(self, method: str, path: str, body: dict | None = None, content_type: str = "") -> dict | None:
        """The decoded JSON answer; None for 404 Not Found."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = content_type or "application/json"
        for attempt in (1, 2):  # a kept-alive connection the server closed is opened again once
            connection = self._connection()
            try:
                connection.request(method, path, body=data, headers=headers)
                response = connection.getresponse()
                text = response.read().decode()
                break
            except (http.client.HTTPException, OSError):
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        if response.status == 404:
            return None
        if response.status >= 300:
            raise ApiError(response.status, text)
        answer: dict = json.loads(text)
        return answer

    def get(self, path: str) -> dict | None:
        return self.request("GET", path)

    def patch_status(self, path: str, status: dict) -> None:
        self.request("PATCH", f"{path}/status", {"status": status}, "application/merge-patch+json")
