"""The capability probe's identity checks: STS sessions that narrow, DynamoDB condition keys, Cognito keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import jwt
import urllib3

from harness.targets.verdicts import Capability, Outcome, attempt, judge_denial, judge_jwks, judge_steps

if TYPE_CHECKING:
    from harness.targets.probe import ProbeContext

PASSWORD = "Probe-Passw0rd!"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def create_role(ctx: ProbeContext, what: str, principal: dict[str, str], actions: list[str]) -> Outcome:
    """A role trusting `principal`, with an inline policy allowing `actions` on every resource."""
    iam = ctx.client("iam")
    name = ctx.name(f"role-{what}")
    role = attempt(lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=_doc(
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})))
    if not role.ok:
        return role
    ctx.later(lambda: iam.delete_role(RoleName=name))
    if actions:
        inline = attempt(lambda: iam.put_role_policy(RoleName=name, PolicyName="probe", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": actions, "Resource": "*"})))
        if not inline.ok:
            return inline
        ctx.later(lambda: iam.delete_role_policy(RoleName=name, PolicyName="probe"))
    return role


def create_caller(ctx: ProbeContext) -> Outcome:
    """An IAM user allowed sts:AssumeRole, with an access key: AWS lets no root assume a role."""
    iam = ctx.client("iam")
    name = ctx.name("caller")
    user = attempt(lambda: iam.create_user(UserName=name))
    if not user.ok:
        return user
    ctx.later(lambda: iam.delete_user(UserName=name))
    inline = attempt(lambda: iam.put_user_policy(UserName=name, PolicyName="probe", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})))
    if not inline.ok:
        return inline
    ctx.later(lambda: iam.delete_user_policy(UserName=name, PolicyName="probe"))
    key = attempt(lambda: iam.create_access_key(UserName=name)["AccessKey"])
    if not key.ok:
        return key
    ctx.later(lambda: iam.delete_access_key(UserName=name, AccessKeyId=key.value["AccessKeyId"]))
    return Outcome(True, value={"AccessKeyId": key.value["AccessKeyId"],
                                "SecretAccessKey": key.value["SecretAccessKey"]})


def _session(ctx: ProbeContext, caller: Outcome, role: Outcome, policy: str | None) -> Outcome:
    """AssumeRole as the caller user, with `policy` as the session policy when given."""
    if not caller.ok:
        return caller
    if not role.ok:
        return role
    sts = ctx.client("sts", caller.value)
    extra = {"Policy": policy} if policy else {}
    return attempt(lambda: sts.assume_role(RoleArn=role.value["Role"]["Arn"], RoleSessionName="saas-probe",
                                           **extra)["Credentials"])


def probe_sts(ctx: ProbeContext) -> Iterator[Capability]:
    """AssumeRole; a session policy narrowing the role; dynamodb:LeadingKeys in a session policy."""
    table_ok = Outcome(True) if ctx.table else Outcome(False, "NoTable", "the DynamoDB probe made no table")
    role = create_role(ctx, "sts", {"AWS": f"arn:aws:iam::{ctx.account}:root"},
                       ["dynamodb:GetItem", "dynamodb:PutItem"])
    caller = create_caller(ctx)
    plain = _session(ctx, caller, role, None)
    verdict, reason = judge_steps([("CreateUser and CreateAccessKey", caller), ("CreateRole", role),
                                   ("AssumeRole", plain)], "AssumeRole vends session credentials")
    yield Capability("sts", "AssumeRole", verdict, reason)
    get_only = _doc({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"})
    narrowed = _session(ctx, caller, role, get_only)
    allowed, denied = _get_put(ctx, narrowed)
    verdict, reason = judge_denial([("the probe table", table_ok), ("CreateRole", role),
                                    ("AssumeRole with a session policy", narrowed)], allowed, denied,
                                   "PutItem outside the session policy")
    yield Capability("sts", "session policy narrows the role (AssumeRole Policy)", verdict, reason)
    leading = _doc({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*", "Condition": {
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["a"]}}})
    keyed = _session(ctx, caller, role, leading)
    own, other = _two_keys(ctx, keyed)
    verdict, reason = judge_denial([("the probe table", table_ok), ("CreateRole", role),
                                    ("AssumeRole with a LeadingKeys session policy", keyed)], own, other,
                                   "GetItem of a key outside dynamodb:LeadingKeys")
    yield Capability("dynamodb", "dynamodb:LeadingKeys condition", verdict, reason)


def _get_put(ctx: ProbeContext, session: Outcome) -> tuple[Outcome, Outcome]:
    if not session.ok or not ctx.table:
        return session, session
    ddb = ctx.client("dynamodb", session.value)
    table = ctx.table
    return (attempt(lambda: ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})),
            attempt(lambda: ddb.put_item(TableName=table, Item={"pk": {"S": "z"}})))


def _two_keys(ctx: ProbeContext, session: Outcome) -> tuple[Outcome, Outcome]:
    if not session.ok or not ctx.table:
        return session, session
    ddb = ctx.client("dynamodb", session.value)
    table = ctx.table
    return (attempt(lambda: ddb.get_item(TableName=table, Key={"pk": {"S": "a"}})),
            attempt(lambda: ddb.get_item(TableName=table, Key={"pk": {"S": "b"}})))


def _pool(ctx: ProbeContext, what: str) -> tuple[Outcome, Outcome]:
    idp = ctx.client("cognito-idp")
    pool = attempt(lambda: idp.create_user_pool(PoolName=ctx.name(what))["UserPool"])
    if not pool.ok:
        return pool, pool
    pool_id = pool.value["Id"]
    ctx.later(lambda: idp.delete_user_pool(UserPoolId=pool_id))
    client = attempt(lambda: idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="probe",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"])
    return pool, client


def _jwks_kids(ctx: ProbeContext, pool_id: str) -> tuple[Outcome, dict[str, Any]]:
    reply = attempt(lambda: urllib3.request("GET", f"{ctx.url}/{pool_id}/.well-known/jwks.json",
                                            timeout=10.0, retries=False))
    if not reply.ok:
        return reply, {}
    if reply.value.status != 200:
        return Outcome(False, f"HTTP {reply.value.status}", "the JWKS URL did not answer 200"), {}
    doc = attempt(lambda: json.loads(reply.value.data))
    keys = doc.value.get("keys", []) if doc.ok and isinstance(doc.value, dict) else []
    return Outcome(True), {str(k.get("kid")): k for k in keys if isinstance(k, dict)}


def _verify(token: str, key: dict[str, Any]) -> Outcome:
    """The token's RS256 signature against one JWKS entry (a malformed key is a failure too)."""
    try:
        jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"],
                   options={"verify_aud": False, "verify_exp": False, "verify_iss": False,
                            "verify_iat": False, "verify_nbf": False})
    except jwt.PyJWTError as exc:
        return Outcome(False, type(exc).__name__, " ".join(str(exc).split()))
    return Outcome(True)


def probe_cognito(ctx: ProbeContext) -> Iterator[Capability]:
    """InitiateAuth with a password; the pool's JWKS verifying its token; a key of each pool's own."""
    idp = ctx.client("cognito-idp")
    pool, client = _pool(ctx, "pool")
    user = Outcome(False, "Skipped", "no pool")
    if pool.ok and client.ok:
        pool_id = pool.value["Id"]
        user = attempt(lambda: idp.admin_create_user(UserPoolId=pool_id, Username="probe",
                                                     MessageAction="SUPPRESS"))
        if user.ok:
            user = attempt(lambda: idp.admin_set_user_password(UserPoolId=pool_id, Username="probe",
                                                               Password=PASSWORD, Permanent=True))
    auth = attempt(lambda: idp.initiate_auth(
        ClientId=client.value["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "probe", "PASSWORD": PASSWORD})["AuthenticationResult"]) \
        if user.ok else user
    setup = [("CreateUserPool", pool), ("CreateUserPoolClient", client), ("AdminCreateUser", user),
             ("InitiateAuth", auth)]
    has_token = Outcome(True) if auth.ok and auth.value.get("IdToken") else \
        Outcome(False, "NoToken", "no IdToken in the AuthenticationResult")
    verdict, reason = judge_steps([*setup, ("IdToken", has_token)], "USER_PASSWORD_AUTH signs the user in")
    yield Capability("cognito-idp", "InitiateAuth (USER_PASSWORD_AUTH)", verdict, reason)
    token = str(auth.value.get("IdToken", "")) if auth.ok else ""
    kid: str | None = None
    verified = False
    fetched, keys = (_jwks_kids(ctx, pool.value["Id"]) if pool.ok else (pool, {}))
    if token:
        header = attempt(lambda: jwt.get_unverified_header(token))
        kid = str(header.value.get("kid")) if header.ok and header.value.get("kid") else None
    if kid in keys:
        check = _verify(token, keys[str(kid)])
        verified = check.ok
        if not check.ok:
            fetched = Outcome(False, check.code,
                              f"the pool's JWKS key does not verify its token: {check.message}")
    other, _ = _pool(ctx, "pool2")
    other_kids: list[str] | None = None
    if other.ok:
        other_fetched, other_keys = _jwks_kids(ctx, other.value["Id"])
        other_kids = list(other_keys) if other_fetched.ok else None
    verdict, reason = judge_jwks([*setup, ("JWKS", fetched)], kid, list(keys), verified, other_kids)
    yield Capability("cognito-idp", "JWKS verifies the pool's tokens (a key per pool)", verdict, reason)
