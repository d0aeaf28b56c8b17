"""Values that cross the edge/gateway seam, defined once so neither package imports the other."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class IamResult:
    """An AWS_IAM decision for one execute-api request; response_type may name a gateway response."""

    allowed: bool
    status: int
    message: str
    caller_arn: str | None = None
    identity: dict[str, str | None] = field(default_factory=dict)
    response_type: str | None = None


UserPoolTokenUse = Literal["id", "access"]


@dataclass(frozen=True)
class UserPoolToken:
    """A user-pool JWT whose signature, issuer and token_use the edge checked for the gateway."""

    pool_id: str
    token_use: UserPoolTokenUse
    claims: Mapping[str, Any]
