"""The same Cognito fidelity with the edge in front of an external moto_server over HTTP."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import jwt
import pytest
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from harness.target import EmbeddedTarget, TargetOptions
from tests.cognito.conftest import PoolFactory, claims, pool_factory, verify_with_jwks

pytestmark = pytest.mark.upstream


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def remote_pools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PoolFactory]:
    """An edge whose upstream is a moto_server reached only through HTTP and boto3."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    opts = TargetOptions(port=0, upstream_url=f"http://127.0.0.1:{port}",
                         work_dir=tmp_path_factory.mktemp("upstream"))
    try:
        with EmbeddedTarget(opts) as target:
            yield pool_factory(target)
    finally:
        server.stop()


def test_upstream_mode_mints_per_pool_tokens_and_enforces_attribute_rules(
        remote_pools: PoolFactory) -> None:
    """Per-pool keys, client lifetimes, token swap, WriteAttributes and immutability via HTTP upstream."""
    pool = remote_pools(WriteAttributes=["email"], IdTokenValidity=5,
                        TokenValidityUnits={"IdToken": "minutes"})
    pool.add_user("rem", tenant="t3")
    tokens = pool.sign_in("rem")
    idt = verify_with_jwks(tokens["IdToken"], pool.jwks(), audience=pool.client_id)
    assert idt["custom:tenantId"] == "t3" and idt["exp"] - idt["iat"] == 300
    assert jwt.get_unverified_header(tokens["AccessToken"])["kid"] != "dummy"
    assert pool.public.get_user(AccessToken=tokens["AccessToken"])["Username"] == "rem"
    with pytest.raises(ClientError) as err:
        pool.public.update_user_attributes(
            AccessToken=tokens["AccessToken"],
            UserAttributes=[{"Name": "custom:tenantId", "Value": "t4"}])
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"
    with pytest.raises(ClientError) as err:
        pool.idp.admin_update_user_attributes(
            UserPoolId=pool.pool_id, Username="rem",
            UserAttributes=[{"Name": "custom:tenantId", "Value": "t4"}])
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    refreshed = pool.refresh(tokens["RefreshToken"])
    assert claims(refreshed["IdToken"])["origin_jti"] == idt["origin_jti"]
