"""Custom-resource ResponseURLs served by the harness: a one-use HTTPS PUT target per request.

On AWS the ResponseURL is a presigned S3 URL the function PUTs its answer to. Here the engine
asks the admin API for a URL (POST /_harness/cloudformation/responses), hands it to the function,
and polls GET /_harness/cloudformation/responses/<token> until the answer arrives.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Sequence
from pathlib import Path

from harness.edge.cloudformation.tls import TlsServer, make_certificates, trust_bundle
from harness.http import HttpRequest, HttpResponse, json_response

ADMIN_PREFIX = "/_harness/cloudformation/responses"
_MAX_PENDING = 10_000


class ResponseUrls:
    """Tokens handed out, and the body each received (None until the function answers)."""

    def __init__(self, work_dir: Path, names: Sequence[str] = ()) -> None:
        self.folder = work_dir / "tls"
        self.names = tuple(names)  # AWS host names the certificate also covers (harness/awsnames.py)
        self.ca_file = self.folder / "ca.pem"
        self.bundle = self.folder / "bundle.pem"
        self.certificate = self.folder / "server.pem"
        self.key = self.folder / "server.key"
        self._bodies: dict[str, bytes | None] = {}
        self._lock = threading.Lock()
        self.server: TlsServer | None = None

    def start(self) -> None:
        """The HTTPS listener; workers trust its CA through SSL_CERT_FILE (system CAs kept)."""
        ca, self.certificate, self.key = make_certificates(self.folder, self.names)
        self.ca_file = ca
        self.bundle = trust_bundle(ca, self.folder)
        os.environ["SSL_CERT_FILE"] = str(self.bundle)
        self.server = TlsServer(self.handle_put, self.certificate, self.key)
        self.server.serve_in_thread()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def handle_put(self, req: HttpRequest) -> HttpResponse:
        token = req.path.strip("/")
        if req.method != "PUT":
            return HttpResponse(405, [("Content-Type", "text/plain")], b"PUT only")
        with self._lock:
            if token not in self._bodies or self._bodies[token] is not None:
                return HttpResponse(403, [("Content-Type", "application/xml")],
                                    b"<Error><Code>AccessDenied</Code></Error>")
            self._bodies[token] = bytes(req.body)
        return HttpResponse(200, [("Content-Length", "0")], b"")

    def admin(self, req: HttpRequest) -> HttpResponse:
        """POST allocates a URL; GET <token> answers 200 with the body, 404 while none came."""
        if req.method == "POST" and req.path.rstrip("/") == ADMIN_PREFIX:
            if self.server is None:
                return json_response(503, {"message": "no response listener"})
            token = secrets.token_urlsafe(24)
            with self._lock:
                if len(self._bodies) > _MAX_PENDING:
                    self._bodies.clear()
                self._bodies[token] = None
            return json_response(200, {"token": token,
                                       "url": f"https://127.0.0.1:{self.server.port}/{token}"})
        token = req.path[len(ADMIN_PREFIX) + 1:]
        with self._lock:
            body = self._bodies.get(token)
            known = token in self._bodies
        if req.method == "DELETE" and known:
            with self._lock:
                self._bodies.pop(token, None)
            return json_response(200, {})
        if body is None:
            return json_response(404, {"message": "no response yet" if known else "unknown"})
        return HttpResponse(200, [("Content-Type", "application/json")], body)
