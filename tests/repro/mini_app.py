"""A tiny multi-tenant notes app on loopback, with a switchable cross-tenant leak, and its adapter."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from harness.suites.adapter import (
    Credentials,
    RawTable,
    ResourceSpec,
    RoleSpec,
    Route,
    SaasAdapter,
    Target,
    Tenant,
)

NOTE = ResourceSpec(name="note", create=Route("POST", "/note", ok_status=201),
                    read=Route("GET", "/note/{id}"), update=Route("PUT", "/note/{id}"),
                    delete=Route("DELETE", "/note/{id}"),
                    list=Route("GET", "/notes"), sample={"text": "hello"}, update_sample={"text": "bye"})


class NotesServer(ThreadingHTTPServer):
    """Notes per tenant; `leaky` makes GET/PUT/DELETE /note/{id} ignore whose note it is."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.leaky = False
        self.tokens: dict[str, str] = {}  # token -> tenant id
        self.notes: dict[str, tuple[str, dict[str, Any]]] = {}  # note id -> (tenant id, note)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: NotesServer

    def log_message(self, *args: Any) -> None:
        return None

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n)) if n else None

    def _handle(self) -> None:
        s, path, body = self.server, self.path, self._body()
        if self.command == "POST" and path == "/tenants":
            return self._answer(201, {"id": uuid.uuid4().hex})
        if self.command == "POST" and path == "/signin":
            token = uuid.uuid4().hex
            s.tokens[token] = str(body["tenant"])
            return self._answer(200, {"token": token})
        caller = s.tokens.get((self.headers.get("Authorization") or "").removeprefix("Bearer "))
        if caller is None:
            return self._answer(401, {"message": "Unauthorized"})
        if self.command == "POST" and path == "/note":
            note_id = f"{caller}-{uuid.uuid4().hex[:8]}"
            s.notes[note_id] = (caller, {"id": note_id, **(body or {})})
            return self._answer(201, s.notes[note_id][1])
        if path.startswith("/note/"):
            owner, note = s.notes.get(path.removeprefix("/note/"), ("", {}))
            if not note or (owner != caller and not s.leaky):
                return self._answer(404, {"message": "not found"})
            return self._answer(200, note)
        return self._answer(404, {"message": "no route"})

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class MiniAdapter(SaasAdapter):
    """The notes app: one pooled API at the server's URL; any role signs in by asking."""

    name = "notes"
    tiers = ("basic",)
    roles = (RoleSpec("TenantUser", "tenant", True),)

    def attach(self, target: Target) -> None:
        from harness.suites.client import ApiClient

        self.url = target.endpoint
        self.http = ApiClient()

    def onboard(self, tier: str, name: str | None = None) -> Tenant:
        tid = str(self.http.request("POST", f"{self.url}/tenants", body={}).body["id"])
        return Tenant(tid, name or tid, tier, self.url, "pooled")

    def sign_in(self, tenant: Tenant | None, role: str) -> Credentials:
        assert tenant is not None
        token = str(self.http.request("POST", f"{self.url}/signin", body={"tenant": tenant.id}).body["token"])
        return Credentials(f"{role}@{tenant.id}", role, tenant.id, token)

    def resources(self) -> tuple[ResourceSpec, ...]:
        return (NOTE,)

    def raw_tables(self, tenant: Tenant) -> tuple[RawTable, ...]:
        return ()
