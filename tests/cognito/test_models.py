"""Unit tests of the Cognito models: lifetimes, attribute permissions, the token book, the key ring."""

from __future__ import annotations

import pytest

from harness.edge.cognito.keys import KeyRing
from harness.edge.cognito.models import (
    AuthEvent,
    ClientSettings,
    CognitoError,
    IssuedToken,
    PoolSchema,
    TokenBook,
    new_refresh_token,
    validity_error,
)


def _client(**desc: object) -> ClientSettings:
    return ClientSettings.from_description({"UserPoolId": "us-east-1_P", "ClientId": "c", **desc})


def test_lifetimes_follow_units_and_defaults() -> None:
    """Defaults are 1 hour (ID, access) and 30 days (refresh); units scale the values."""
    assert _client().lifetimes.__dict__ == {"id": 3600, "access": 3600, "refresh": 30 * 86400}
    c = _client(IdTokenValidity=5, AccessTokenValidity=2, RefreshTokenValidity=90,
                TokenValidityUnits={"IdToken": "minutes", "AccessToken": "hours",
                                    "RefreshToken": "minutes"})
    assert (c.lifetimes.id, c.lifetimes.access, c.lifetimes.refresh) == (300, 7200, 5400)


@pytest.mark.parametrize(("settings", "ok"), [
    ({}, True),
    ({"IdTokenValidity": 5, "TokenValidityUnits": {"IdToken": "minutes"}}, True),
    ({"IdTokenValidity": 299, "TokenValidityUnits": {"IdToken": "seconds"}}, False),
    ({"AccessTokenValidity": 24}, True),
    ({"AccessTokenValidity": 25}, False),
    ({"RefreshTokenValidity": 3650}, True),
    ({"RefreshTokenValidity": 60, "TokenValidityUnits": {"RefreshToken": "minutes"}}, True),
    ({"RefreshTokenValidity": 60, "IdTokenValidity": 2,
      "TokenValidityUnits": {"RefreshToken": "minutes"}}, False),
    ({"IdTokenValidity": "x"}, False),
])
def test_validity_ranges(settings: dict[str, object], ok: bool) -> None:
    assert (validity_error(settings) is None) is ok


def test_write_permissions_required_attributes_and_developer_attributes() -> None:
    """Required attributes are writable by every client; dev: attributes by none; no list: all."""
    schema = PoolSchema.from_description({"Id": "us-east-1_P", "SchemaAttributes": [
        {"Name": "email", "Required": True, "Mutable": True},
        {"Name": "custom:tenantId", "Mutable": False}]})
    limited = _client(WriteAttributes=["custom:role"])
    assert limited.can_write("email", schema) and limited.can_write("custom:role", schema)
    assert not limited.can_write("custom:tenantId", schema)
    assert _client().can_write("custom:tenantId", schema)
    assert not _client().can_write("dev:custom:x", schema)
    assert schema.immutable_among(["custom:tenantId", "email", "sub"]) == ["custom:tenantId", "sub"]


def _issued(token: str, kind: str, exp: float, user: str = "u") -> IssuedToken:
    return IssuedToken(token, kind, "us-east-1_P", "c", user, "up-" + token, exp, AuthEvent.new(0))


def test_token_book_errors_revocation_and_pruning() -> None:
    book = TokenBook(prune_every=3)
    book.add(_issued("a1", "access", 100), 0)
    book.add(_issued("r1", "refresh", 1000), 0)
    assert book.use("a1", "access", 50).upstream == "up-a1"
    for token, kind, now, message in (("a1", "access", 100, "Access Token has expired"),
                                      ("zz", "access", 0, "Invalid Access Token"),
                                      ("a1", "refresh", 0, "Invalid Refresh Token")):
        with pytest.raises(CognitoError) as err:
            book.use(token, kind, now)
        assert err.value.message == message
    assert book.revoke_user("us-east-1_P", "u", ("refresh",)) == 1
    with pytest.raises(CognitoError, match="Refresh Token has been revoked"):
        book.use("r1", "refresh", 0)
    book.add(_issued("a2", "access", 500, user="v"), 200)  # third add prunes a1 (exp 100)
    assert book.find("a1") is None and book.find("a2") is not None and len(book) == 2


def test_key_ring_keeps_pools_apart() -> None:
    ring = KeyRing()
    token = ring.sign("us-east-1_A", "id", {"sub": "x"})
    assert ring.verify("us-east-1_A", token, "id") == {"sub": "x"}
    assert ring.verify("us-east-1_B", token, "id") is None
    assert ring.verify("us-east-1_A", token, "access") is None
    ring.forget("us-east-1_A")
    assert ring.verify("us-east-1_A", token, "id") is None


def test_refresh_tokens_are_opaque_five_part_tokens() -> None:
    token = new_refresh_token()
    assert token.count(".") == 4 and token != new_refresh_token()
