"""A SAM app whose functions reach AWS by its host names: the pool's JWKS, their own API, STS.

Everything runs through the real HTTP listener, real workers and the harness's TLS listener for
`*.amazonaws.com`, whose certificate the local CA issued and the workers trust.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer, MemoryStackStore
from harness.deploy.model import StackResult
from harness.target import EmbeddedTarget

APP = Path(__file__).resolve().parent / "awsnames" / "template.yaml"
PASSWORD = "Passw0rd!Passw0rd"
REGION = "us-east-1"


@pytest.fixture(scope="module")
def app(target: EmbeddedTarget) -> Iterator[StackResult]:
    deployer = Deployer(endpoint_url=target.endpoint, store=MemoryStackStore())
    result = deployer.deploy(APP, "aws-host-names")
    assert result.status == "CREATE_COMPLETE"
    yield result
    deployer.delete("aws-host-names")


def api_id(app: StackResult) -> str:
    return app.resources["ServerlessRestApi"].physical_id


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=90) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def id_token(aws: Any, app: StackResult) -> str:
    idp = aws("cognito-idp")
    pool, client = app.outputs["PoolId"], app.outputs["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=PASSWORD, Permanent=True)
    auth = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    return str(auth["AuthenticationResult"]["IdToken"])


def test_a_function_verifies_an_id_token_with_its_pools_jwks_fetched_by_the_aws_host_name(
        target: EmbeddedTarget, app: StackResult, aws: Any) -> None:
    """The function's urllib fetches `https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json`
    and checks the RS256 signature, issuer, token_use and expiry itself; a tampered token fails.

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
    ("Verifying a JSON Web Token": the pool's public keys are at
    https://cognito-idp.<Region>.amazonaws.com/<userPoolId>/.well-known/jwks.json).
    """
    token = id_token(aws, app)
    base = f"{target.endpoint}/restapis/{api_id(app)}/Prod/_user_request_"
    status, body = get(f"{base}/verify", {"Authorization": token})
    assert (status, body["verified"], body["username"]) == (200, True, "alice")
    jwks = json.loads(urllib.request.urlopen(
        f"{target.endpoint}/{app.outputs['PoolId']}/.well-known/jwks.json").read())
    assert body["kids"] == [k["kid"] for k in jwks["keys"]]
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:username"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    status, body = get(f"{base}/verify", {"Authorization": f"{head}.{forged}.{sig}"})
    assert (status, body["verified"]) == (401, False)


def test_a_function_calls_its_own_api_by_its_execute_api_host_name(
        target: EmbeddedTarget, app: StackResult) -> None:
    """`https://<apiId>.execute-api.<region>.amazonaws.com/Prod/echo` from inside a function reaches
    the gateway; the called function sees AWS's Host, domainName and domainPrefix; a boto3 client
    built for `https://sts.<region>.amazonaws.com` signs and verifies against the harness.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-call-api.html (the default
    endpoint `https://{restapi_id}.execute-api.{region}.amazonaws.com/{stage_name}/`) and
    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
    (the proxy input's Host header, requestContext.domainName and domainPrefix).
    """
    api = api_id(app)
    status, body = get(f"{target.endpoint}/restapis/{api}/Prod/_user_request_/call")
    assert status == 200, body
    host = f"{api}.execute-api.{REGION}.amazonaws.com"
    assert body["url"] == f"https://{host}/Prod/echo"
    assert body["echoed"] == {"host": host, "domainName": host, "domainPrefix": api, "path": "/Prod/echo"}
    assert ":assumed-role/" in body["caller"] and "SelfCallFunction" in body["caller"]


def test_clients_reach_an_api_by_its_host_style_localhost_name_and_aws_host_header(
        target: EmbeddedTarget, app: StackResult) -> None:
    """`http://{apiId}.execute-api.localhost:<port>/Prod/echo` (LocalStack's URL shape, sent here as
    its Host header because `*.localhost` need not resolve) and the AWS host name both reach the
    stage, and the function still sees AWS's Host; path-style URLs keep working.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-call-api.html
    """
    api = api_id(app)
    aws_host = f"{api}.execute-api.{REGION}.amazonaws.com"
    for host in (f"{api}.execute-api.localhost:{target.port}", aws_host):
        status, body = get(f"{target.endpoint}/Prod/echo", {"Host": host})
        assert (status, body["host"], body["domainName"]) == (200, aws_host, aws_host)
    status, _ = get(f"{target.endpoint}/Prod/nothing-here", {"Host": aws_host})
    assert status == 403  # API Gateway's Missing Authentication Token for an unknown resource
    status, body = get(f"{target.endpoint}/restapis/{api}/Prod/_user_request_/echo")
    assert (status, body["host"]) == (200, aws_host)


def test_tests_trust_the_local_ca_for_aws_host_names(target: EmbeddedTarget, app: StackResult) -> None:
    """The CA file the target describes (state.json's `ca_file`) verifies the TLS listener's
    certificate for the execute-api and Cognito names; without it verification fails.

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
    """
    info = target.describe()
    port = int(info["aws_names_endpoint"].rsplit(":", 1)[1])
    trusted = ssl.create_default_context(cafile=info["ca_file"])
    for name in (f"{api_id(app)}.execute-api.{REGION}.amazonaws.com", f"cognito-idp.{REGION}.amazonaws.com",
                 f"dynamodb.{REGION}.amazonaws.com", "sts.amazonaws.com"):
        with socket.create_connection(("127.0.0.1", port)) as raw, \
                trusted.wrap_socket(raw, server_hostname=name) as tls:
            assert tls.version() is not None
    with pytest.raises(ssl.SSLCertVerificationError), \
            socket.create_connection(("127.0.0.1", port)) as raw, \
            trusted.wrap_socket(raw, server_hostname="example.com"):
        pass


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_a_nodejs_function_fetches_its_pools_jwks_by_the_aws_host_name(
        target: EmbeddedTarget, app: StackResult) -> None:
    """Node's global fetch of `https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json`
    reaches the harness and trusts its certificate (NODE_EXTRA_CA_CERTS); so does SDK v3's STS client
    built for `https://sts.<region>.amazonaws.com`.

    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
    """
    status, body = get(f"{target.endpoint}/restapis/{api_id(app)}/Prod/_user_request_/node-keys")
    assert status == 200, body
    pool = app.outputs["PoolId"]
    assert body["url"] == f"https://cognito-idp.{REGION}.amazonaws.com/{pool}/.well-known/jwks.json"
    jwks = json.loads(urllib.request.urlopen(f"{target.endpoint}/{pool}/.well-known/jwks.json").read())
    assert body["kids"] == [k["kid"] for k in jwks["keys"]]
    assert ":assumed-role/" in body["caller"] and "NodeJwksFunction" in body["caller"]
