"""REQUEST authorizer: verify the Cognito ID token, find the caller's tenant group, vend scoped credentials.

Verification follows https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
(kid in the pool's JWKS, RS256 signature, exp, iss, aud = the app client, token_use = id).
"""

import json
import os
import urllib.request

import boto3
import jwt
from tenant_policy import TENANT_ID, session_policy

POOL_ID = os.environ["USER_POOL_ID"]
CLIENT_ID = os.environ["CLIENT_ID"]
REGION = os.environ.get("AWS_REGION", "us-east-1")
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
JWKS_URL = (os.environ.get("JWKS_BASE_URL") or f"https://cognito-idp.{REGION}.amazonaws.com").rstrip("/") \
    + f"/{POOL_ID}/.well-known/jwks.json"
TENANT_GROUP = "tenant-"
ROLES = ("agent", "viewer")
STS = boto3.client("sts")
_KEYS = {}


def _key(kid):
    if kid not in _KEYS:
        with urllib.request.urlopen(JWKS_URL, timeout=5) as resp:
            for jwk in json.loads(resp.read()).get("keys", []):
                if jwk.get("kty") == "RSA" and jwk.get("kid"):
                    _KEYS[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256").key
    return _KEYS.get(kid)


def _claims(header_value):
    """The verified claims of the bearer token, or None for anything that is not a valid ID token."""
    if not isinstance(header_value, str):
        return None
    parts = header_value.split()
    if len(parts) != 2 or parts[0] != "Bearer" or len(parts[1]) > 8192 or parts[1].count(".") != 2:
        return None
    try:
        kid = jwt.get_unverified_header(parts[1]).get("kid")
        key = _key(kid) if isinstance(kid, str) else None
        if key is None:
            return None
        claims = jwt.decode(parts[1], key, algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER,
                            options={"require": ["exp", "iat", "iss", "aud", "token_use"]})
    except (jwt.PyJWTError, ValueError):
        return None
    return claims if claims.get("token_use") == "id" else None


def _membership(claims):
    """(tenant id, role) from the caller's groups: exactly one tenant group and one known role."""
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        groups = groups.split(",")
    tenants = [g[len(TENANT_GROUP):] for g in groups if g.startswith(TENANT_GROUP)]
    roles = [g for g in groups if g in ROLES]
    if len(tenants) != 1 or not TENANT_ID.match(tenants[0]) or len(roles) != 1:
        return None
    return tenants[0], roles[0]


def _policy(principal, effect, method_arn):
    api = method_arn.split("/", 2)  # arn:aws:execute-api:<region>:<account>:<api>/<stage>/<verb>/<path>
    resource = f"{api[0]}/{api[1]}/*/*" if len(api) >= 2 else method_arn
    return {"principalId": principal, "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}}


def handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    claims = _claims(headers.get("authorization"))
    if claims is None:
        raise Exception("Unauthorized")  # API Gateway answers 401
    member = _membership(claims)
    if member is None:
        return _policy(str(claims.get("sub", "unknown")), "Deny", event["methodArn"])
    tenant_id, role = member
    creds = STS.assume_role(
        RoleArn=os.environ["TENANT_DATA_ROLE_ARN"], RoleSessionName=f"t-{tenant_id}", DurationSeconds=900,
        Policy=json.dumps(session_policy(tenant_id, os.environ["TABLE_ARN"])))["Credentials"]
    out = _policy(str(claims["sub"]), "Allow", event["methodArn"])
    out["context"] = {"tenantId": tenant_id, "role": role,
                      "username": str(claims.get("cognito:username", "")),
                      "accessKeyId": creds["AccessKeyId"], "secretAccessKey": creds["SecretAccessKey"],
                      "sessionToken": creds["SessionToken"]}
    return out
