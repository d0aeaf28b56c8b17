"""Pool, client and user facts read from the upstream as root, so the same code fronts any endpoint."""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError

from harness.edge.cognito.models import ClientSettings, PoolSchema, UserView
from harness.edge.upstream import Upstream


class NotFound(LookupError):
    """The upstream says the pool, client or user does not exist."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


_MISSING = {"ResourceNotFoundException", "UserNotFoundException"}


class CognitoDirectory:
    """Cached pool schemas and client settings (dropped when the edge sees them change), live users."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._lock = threading.Lock()
        self._schemas: dict[str, PoolSchema] = {}
        self._clients: dict[tuple[str, str], ClientSettings] = {}
        self._client_pools: dict[str, str] = {}

    @property
    def _idp(self) -> Any:
        return self._upstream.client("cognito-idp")

    def schema(self, pool_id: str) -> PoolSchema:
        """The pool's attribute rules; NotFound if the pool does not exist."""
        with self._lock:
            found = self._schemas.get(pool_id)
        if found is not None:
            return found
        try:
            pool = self._idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise NotFound(pool_id) from exc
            raise
        schema = PoolSchema.from_description(pool)
        with self._lock:
            self._schemas[pool_id] = schema
        return schema

    def pool_exists(self, pool_id: str) -> bool:
        try:
            self.schema(pool_id)
        except NotFound:
            return False
        return True

    def client(self, pool_id: str, client_id: str) -> ClientSettings:
        """The app client's lifetimes and attribute permissions; NotFound if it does not exist."""
        with self._lock:
            found = self._clients.get((pool_id, client_id))
        if found is not None:
            return found
        try:
            desc = self._idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise NotFound(client_id) from exc
            raise
        settings = ClientSettings.from_description(desc["UserPoolClient"])
        with self._lock:
            self._clients[(pool_id, client_id)] = settings
            self._client_pools[client_id] = pool_id
        return settings

    def pool_of_client(self, client_id: str) -> str:
        """Which pool an app client belongs to (SignUp names only the client); NotFound if none."""
        with self._lock:
            found = self._client_pools.get(client_id)
        if found is not None:
            return found
        for pool in self._paged("list_user_pools", "UserPools", MaxResults=60):
            pool_id = str(pool["Id"])
            clients = self._paged("list_user_pool_clients", "UserPoolClients", UserPoolId=pool_id,
                                  MaxResults=60)
            if any(c.get("ClientId") == client_id for c in clients):
                with self._lock:
                    self._client_pools[client_id] = pool_id
                return pool_id
        raise NotFound(client_id)

    def note_client_pool(self, client_id: str, pool_id: str) -> None:
        """Remember a client's pool, seen as it was created."""
        with self._lock:
            self._client_pools[client_id] = pool_id

    def user(self, pool_id: str, username: str) -> UserView:
        """The user by username or alias, read fresh (attributes and status change often)."""
        try:
            u = self._idp.admin_get_user(UserPoolId=pool_id, Username=username)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise NotFound(username) from exc
            raise
        attrs = {str(a["Name"]): str(a.get("Value", "")) for a in u.get("UserAttributes") or []}
        return UserView(str(u["Username"]), attrs, bool(u.get("Enabled", True)),
                        str(u.get("UserStatus", "")))

    def groups(self, pool_id: str, username: str) -> list[str]:
        groups = self._paged("admin_list_groups_for_user", "Groups", UserPoolId=pool_id,
                             Username=username, Limit=60)
        return [str(g["GroupName"]) for g in groups]

    def _paged(self, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        call = getattr(self._idp, method)
        while True:
            page = call(**kwargs)
            out.extend(page.get(key) or [])
            nxt = page.get("NextToken")
            if not nxt or len(out) > 10_000:
                return out
            kwargs["NextToken"] = nxt

    def forget_pool(self, pool_id: str) -> None:
        with self._lock:
            self._schemas.pop(pool_id, None)
            for key in [k for k in self._clients if k[0] == pool_id]:
                del self._clients[key]
            for cid in [c for c, p in self._client_pools.items() if p == pool_id]:
                del self._client_pools[cid]

    def forget_client(self, pool_id: str, client_id: str) -> None:
        with self._lock:
            self._clients.pop((pool_id, client_id), None)
            self._client_pools.pop(client_id, None)

    def clear(self) -> None:
        with self._lock:
            self._schemas.clear()
            self._clients.clear()
            self._client_pools.clear()


__all__ = ["CognitoDirectory", "NotFound"]
