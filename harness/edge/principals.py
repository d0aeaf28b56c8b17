"""Who signed a request: the account root, an IAM user's key, an STS session, or an AWS service."""

from __future__ import annotations

import base64
import secrets
import string
import threading
from dataclasses import dataclass, field

from harness.edge.upstream import ROOT_KEY, ROOT_SECRET

_KEY_ALPHABET = string.ascii_uppercase + "234567"
# Authorizers assume a role per cache miss; past this many live sessions, expired ones are swept.
SESSION_SWEEP_AT = 20_000


def new_key_id(prefix: str) -> str:
    """AWS key ids: a four-letter type prefix and sixteen base32 characters."""
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def new_secret() -> str:
    return base64.b64encode(secrets.token_bytes(30)).decode()


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, as the gate and the error messages see it."""

    kind: str  # "root" | "user" | "assumed-role" | "service"
    arn: str
    account: str
    access_key: str
    secret: str
    userid: str
    user_name: str | None = None
    role_name: str | None = None
    role_arn: str | None = None
    session_name: str | None = None
    service: str | None = None
    session_token: str | None = None
    expiration: float | None = None
    issued_at: float | None = None
    session_policies: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def is_root(self) -> bool:
        return self.kind == "root"


def root_principal(account: str) -> Principal:
    return Principal("root", f"arn:aws:iam::{account}:root", account, ROOT_KEY, ROOT_SECRET, account)


@dataclass
class UserKey:
    access_key: str
    secret: str
    user_name: str
    active: bool = True


class CredentialBook:
    """Every key the edge will accept besides the root's: IAM user keys, STS sessions, services."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._user_keys: dict[str, UserKey] = {}
        self._sessions: dict[str, Principal] = {}
        self._services: dict[str, Principal] = {}

    def record_user_key(self, access_key: str, secret: str, user_name: str) -> None:
        with self._lock:
            self._user_keys[access_key] = UserKey(access_key, secret, user_name)

    def set_user_key_status(self, access_key: str, active: bool) -> None:
        with self._lock:
            if access_key in self._user_keys:
                self._user_keys[access_key].active = active

    def delete_user_key(self, access_key: str) -> None:
        with self._lock:
            self._user_keys.pop(access_key, None)

    def user_key(self, access_key: str) -> UserKey | None:
        return self._user_keys.get(access_key)

    def add_session(self, session: Principal) -> None:
        with self._lock:
            self._sessions[session.access_key] = session
            crowded = len(self._sessions) > SESSION_SWEEP_AT
        if crowded and session.issued_at is not None:
            self.drop_expired_sessions(session.issued_at)

    def session(self, access_key: str) -> Principal | None:
        return self._sessions.get(access_key)

    def drop_expired_sessions(self, now: float, grace: float = 86400.0) -> int:
        """Forget sessions long past expiry; recently expired ones still answer ExpiredToken."""
        with self._lock:
            dead = [k for k, s in self._sessions.items()
                    if s.expiration is not None and s.expiration + grace < now]
            for k in dead:
                del self._sessions[k]
        return len(dead)

    def service_credentials(self, service: str, account: str) -> Principal:
        """A key the harness's own Lambda or API Gateway service uses, acting as that AWS service."""
        with self._lock:
            for p in self._services.values():
                if p.service == service:
                    return p
            key = new_key_id("ASIA")
            p = Principal("service", service, account, key, new_secret(), service, service=service)
            self._services[key] = p
            return p

    def service(self, access_key: str) -> Principal | None:
        return self._services.get(access_key)

    def reset(self) -> None:
        with self._lock:
            self._user_keys.clear()
            self._sessions.clear()
