"""Identity facts the gate needs (policies, boundaries, trust, tags) read from the upstream as root."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from harness.changes import ChangeFeed
from harness.edge.upstream import Upstream


def policy_text(doc: Any) -> str:
    """boto3 hands policy documents back decoded; the evaluator's cache wants stable text."""
    if isinstance(doc, str):
        return doc
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class RoleInfo:
    name: str
    arn: str
    role_id: str
    account: str
    trust_policy: str
    max_session_duration: int
    identity_policies: tuple[str, ...]
    boundary: str | None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UserInfo:
    name: str
    arn: str
    user_id: str
    account: str
    identity_policies: tuple[str, ...]
    boundary: str | None
    tags: dict[str, str] = field(default_factory=dict)


class NoSuchEntity(LookupError):
    """The role or user does not exist in the upstream."""


class IdentityDirectory:
    """Caches identity facts until the change feed reports an IAM write."""

    def __init__(self, upstream: Upstream, changes: ChangeFeed) -> None:
        self._upstream = upstream
        self._changes = changes
        self._lock = threading.Lock()
        self._roles: dict[str, tuple[int, RoleInfo]] = {}
        self._users: dict[str, tuple[int, UserInfo]] = {}
        self._managed: dict[str, tuple[int, str]] = {}
        self._user_boundaries: dict[str, str | None] = {}

    def set_user_boundary(self, user_name: str, policy_arn: str | None) -> None:
        """Remember a user's boundary for upstreams (moto) that accept but drop it."""
        with self._lock:
            self._user_boundaries[user_name] = policy_arn

    @property
    def _iam(self) -> Any:
        return self._upstream.client("iam")

    def role(self, name: str) -> RoleInfo:
        gen = self._changes.generation("iam")
        hit = self._roles.get(name)
        if hit and hit[0] == gen:
            return hit[1]
        info = self._load_role(name)
        with self._lock:
            self._roles[name] = (gen, info)
        return info

    def role_by_arn(self, arn: str) -> RoleInfo:
        if ":role/" not in arn:
            raise NoSuchEntity(arn)
        return self.role(arn.rsplit("/", 1)[-1])

    def user(self, name: str) -> UserInfo:
        gen = self._changes.generation("iam")
        hit = self._users.get(name)
        if hit and hit[0] == gen:
            return hit[1]
        info = self._load_user(name)
        with self._lock:
            self._users[name] = (gen, info)
        return info

    def managed_policy(self, arn: str) -> str:
        gen = self._changes.generation("iam")
        hit = self._managed.get(arn)
        if hit and hit[0] == gen:
            return hit[1]
        try:
            pol = self._iam.get_policy(PolicyArn=arn)["Policy"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchEntity", "InvalidInput"):
                raise NoSuchEntity(arn) from None
            raise
        ver = self._iam.get_policy_version(PolicyArn=arn, VersionId=pol["DefaultVersionId"])
        text = policy_text(ver["PolicyVersion"]["Document"])
        with self._lock:
            self._managed[arn] = (gen, text)
        return text

    def _load_role(self, name: str) -> RoleInfo:
        iam = self._iam
        try:
            role = iam.get_role(RoleName=name)["Role"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NoSuchEntity":
                raise NoSuchEntity(name) from None
            raise
        docs = [policy_text(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
                for p in _all(iam, "list_role_policies", "PolicyNames", RoleName=name)]
        docs += [self.managed_policy(p["PolicyArn"])
                 for p in _all(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name)]
        boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        return RoleInfo(
            name=name,
            arn=role["Arn"],
            role_id=role["RoleId"],
            account=role["Arn"].split(":")[4],
            trust_policy=policy_text(role.get("AssumeRolePolicyDocument") or "{}"),
            max_session_duration=int(role.get("MaxSessionDuration") or 3600),
            identity_policies=tuple(docs),
            boundary=self.managed_policy(boundary_arn) if boundary_arn else None,
            tags={t["Key"]: t["Value"] for t in role.get("Tags", [])},
        )

    def _load_user(self, name: str) -> UserInfo:
        iam = self._iam
        try:
            user = iam.get_user(UserName=name)["User"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "NoSuchEntity":
                raise NoSuchEntity(name) from None
            raise
        docs = [policy_text(iam.get_user_policy(UserName=name, PolicyName=p)["PolicyDocument"])
                for p in _all(iam, "list_user_policies", "PolicyNames", UserName=name)]
        docs += [self.managed_policy(p["PolicyArn"])
                 for p in _all(iam, "list_attached_user_policies", "AttachedPolicies", UserName=name)]
        for group in _all(iam, "list_groups_for_user", "Groups", UserName=name):
            g = group["GroupName"]
            docs += [policy_text(iam.get_group_policy(GroupName=g, PolicyName=p)["PolicyDocument"])
                     for p in _all(iam, "list_group_policies", "PolicyNames", GroupName=g)]
            docs += [self.managed_policy(p["PolicyArn"]) for p in
                     _all(iam, "list_attached_group_policies", "AttachedPolicies", GroupName=g)]
        boundary_arn = (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if name in self._user_boundaries:
            boundary_arn = self._user_boundaries[name]
        tags = {t["Key"]: t["Value"] for t in user.get("Tags", [])}
        return UserInfo(
            name=name,
            arn=user["Arn"],
            user_id=user["UserId"],
            account=user["Arn"].split(":")[4],
            identity_policies=tuple(docs),
            boundary=self.managed_policy(boundary_arn) if boundary_arn else None,
            tags=tags,
        )


def _all(client: Any, method: str, key: str, **kwargs: Any) -> list[Any]:
    out: list[Any] = []
    paginator = client.get_paginator(method)
    for page in paginator.paginate(**kwargs):
        out.extend(page.get(key, []))
    return out
