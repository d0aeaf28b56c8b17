"""`saas-harness probe URL`: small real calls per service and behaviour, and what the endpoint itself did."""

from __future__ import annotations

import contextlib
import io
import json
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.config

from harness.targets import probe_auth
from harness.targets.verdicts import (
    Capability,
    Outcome,
    Verdict,
    attempt,
    judge_condition,
    judge_invoke,
    judge_stack,
    judge_steps,
    judge_usage,
)

ROOT = ("test", "test")
CONFIG = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                                read_timeout=60)
HANDLER = "def handler(event, context):\n    return {'probe': event.get('n', 0) + 1}\n"
STACK_TEMPLATE = {"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
    "BillingMode": "PAY_PER_REQUEST", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}}}}


@dataclass
class ProbeContext:
    """One probe run: the endpoint, root clients, unique names, and what to delete at the end."""

    url: str
    region: str = "us-east-1"
    credentials: tuple[str, str] = ROOT
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    account: str = "000000000000"
    table: str | None = None
    cleanups: list[Callable[[], Any]] = field(default_factory=list)

    def client(self, service: str, creds: dict[str, str] | None = None) -> Any:
        key, secret, token = (creds["AccessKeyId"], creds["SecretAccessKey"], creds.get("SessionToken")) \
            if creds else (*self.credentials, None)
        return boto3.session.Session().client(
            service, region_name=self.region, endpoint_url=self.url, aws_access_key_id=key,
            aws_secret_access_key=secret, aws_session_token=token, config=CONFIG)

    def name(self, what: str) -> str:
        return f"saas-probe-{what}-{self.suffix}"

    def later(self, cleanup: Callable[[], Any]) -> None:
        self.cleanups.append(cleanup)


@dataclass(frozen=True)
class ProbeReport:
    """Every capability probed on one endpoint, in probe order."""

    endpoint: str
    account: str
    capabilities: tuple[Capability, ...]
    seconds: float

    def count(self, verdict: Verdict) -> int:
        return sum(c.verdict is verdict for c in self.capabilities)

    def as_dict(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "account": self.account, "seconds": self.seconds,
                "counts": {v.value: self.count(v) for v in Verdict},
                "capabilities": [c.as_dict() for c in self.capabilities]}


def _wait(probe: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if probe():
                return True
        time.sleep(0.25)
    return False


def probe_dynamodb(ctx: ProbeContext) -> Iterator[Capability]:
    ddb = ctx.client("dynamodb")
    table = ctx.name("table")
    create = attempt(lambda: ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}]))
    if create.ok:
        ctx.table = table
        ctx.later(lambda: ddb.delete_table(TableName=table))
        _wait(lambda: ddb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE", 20)
    item = {"pk": {"S": "a"}, "v": {"S": "1"}}
    put = attempt(lambda: ddb.put_item(TableName=table, Item=item))
    get = attempt(lambda: ddb.get_item(TableName=table, Key={"pk": {"S": "a"}}, ConsistentRead=True))
    read_back = Outcome(True) if get.ok and get.value.get("Item") == item else \
        Outcome(False, "Mismatch", f"GetItem returned {get.value.get('Item') if get.ok else get.describe()}")
    delete = attempt(lambda: ddb.delete_item(TableName=table, Key={"pk": {"S": "b"}}))
    verdict, reason = judge_steps([("CreateTable", create), ("PutItem", put), ("GetItem", get),
                                   ("GetItem read-back", read_back), ("DeleteItem", delete)],
                                  "CreateTable, PutItem, GetItem and DeleteItem answer as AWS does")
    yield Capability("dynamodb", "CRUD (CreateTable, PutItem, GetItem, DeleteItem)", verdict, reason)
    first = attempt(lambda: ddb.put_item(TableName=table, Item={"pk": {"S": "c"}},
                                         ConditionExpression="attribute_not_exists(pk)"))
    repeat = attempt(lambda: ddb.put_item(TableName=table, Item={"pk": {"S": "c"}},
                                          ConditionExpression="attribute_not_exists(pk)"))
    verdict, reason = judge_condition([("CreateTable", create), ("PutItem with a condition", first)], repeat)
    yield Capability("dynamodb", "condition expressions (attribute_not_exists)", verdict, reason)


def _only_plan(listed: Outcome, plan: Outcome) -> Outcome:
    """GetUsagePlans(keyId) must list exactly the key's plan (the suites find a tenant's plan this way)."""
    if not listed.ok or not plan.ok:
        return listed if not listed.ok else plan
    ids = [p.get("id") for p in listed.value.get("items", [])]
    if ids == [plan.value["id"]]:
        return Outcome(True)
    return Outcome(False, "Mismatch", f"GetUsagePlans(keyId) listed {len(ids)} plan(s), not just the key's "
                                      "own: the keyId filter is ignored" if plan.value["id"] in ids else
                   f"GetUsagePlans(keyId) listed {len(ids)} plan(s) without the key's own")


def probe_apigateway(ctx: ProbeContext) -> Iterator[Capability]:
    apigw = ctx.client("apigateway")
    plan = attempt(lambda: apigw.create_usage_plan(
        name=ctx.name("plan"), throttle={"rateLimit": 10.0, "burstLimit": 20},
        quota={"limit": 1000, "period": "DAY"}))
    key = attempt(lambda: apigw.create_api_key(name=ctx.name("key"), enabled=True))
    if plan.ok:
        ctx.later(lambda: apigw.delete_usage_plan(usagePlanId=plan.value["id"]))
    if key.ok:
        ctx.later(lambda: apigw.delete_api_key(apiKey=key.value["id"]))
    bind = attempt(lambda: apigw.create_usage_plan_key(
        usagePlanId=plan.value["id"], keyId=key.value["id"], keyType="API_KEY")) if plan.ok and key.ok \
        else Outcome(False, "Skipped", "no plan or key to bind")
    listed = attempt(lambda: apigw.get_usage_plans(keyId=key.value["id"])) if key.ok else bind
    by_key = _only_plan(listed, plan)
    steps = [("CreateUsagePlan", plan), ("CreateApiKey", key), ("CreateUsagePlanKey", bind),
             ("GetUsagePlans(keyId)", listed)]
    verdict, reason = judge_steps(steps, "plans with throttle and quota and keys bound to them",
                                  [("GetUsagePlans(keyId) result", by_key)])
    yield Capability("apigateway", "usage plans and API keys", verdict, reason)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    usage = attempt(lambda: apigw.get_usage(usagePlanId=plan.value["id"], keyId=key.value["id"],
                                            startDate=today, endDate=today))
    verdict, reason = judge_usage(steps[:3], usage)
    yield Capability("apigateway", "GetUsage", verdict, reason)


def _zip(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("probe.py", source)
    return buf.getvalue()


def probe_lambda(ctx: ProbeContext) -> Iterator[Capability]:
    iam, lam = ctx.client("iam"), ctx.client("lambda")
    role = probe_auth.create_role(ctx, "lambda", {"Service": "lambda.amazonaws.com"}, [])
    name = ctx.name("fn")
    create = attempt(lambda: lam.create_function(
        FunctionName=name, Runtime="python3.11", Role=role.value["Role"]["Arn"], Handler="probe.handler",
        Code={"ZipFile": _zip(HANDLER)}, Timeout=30)) if role.ok else role
    if create.ok:
        ctx.later(lambda: lam.delete_function(FunctionName=name))
        _wait(lambda: lam.get_function(FunctionName=name)["Configuration"].get("State", "Active")
              == "Active", 20)

    def invoke() -> dict[str, Any]:
        reply = lam.invoke(FunctionName=name, Payload=json.dumps({"n": 41}).encode())
        text = reply["Payload"].read()
        try:
            payload: Any = json.loads(text)
        except ValueError:
            payload = text.decode("utf-8", "replace")
        return {"payload": payload, "FunctionError": reply.get("FunctionError")}

    result = attempt(invoke) if create.ok else create
    verdict, reason = judge_invoke([("CreateRole", role), ("CreateFunction", create)], result, {"probe": 42})
    del iam
    yield Capability("lambda", "Invoke (Python handler runs)", verdict, reason)


def probe_cloudformation(ctx: ProbeContext) -> Iterator[Capability]:
    cfn = ctx.client("cloudformation")
    name = ctx.name("stack")
    create = attempt(lambda: cfn.create_stack(StackName=name, TemplateBody=json.dumps(STACK_TEMPLATE)))
    status: list[str | None] = [None]
    reason = ""
    if create.ok:
        ctx.later(lambda: cfn.delete_stack(StackName=name))

        def settled() -> bool:
            status[0] = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
            return not str(status[0]).endswith("IN_PROGRESS")

        _wait(settled, 60)
        if status[0] != "CREATE_COMPLETE":
            with contextlib.suppress(Exception):
                events = cfn.describe_stack_events(StackName=name)["StackEvents"]
                reason = next((e.get("ResourceStatusReason", "") for e in events
                               if "FAILED" in e.get("ResourceStatus", "")), "")
    verdict, why = judge_stack([("CreateStack", create)], status[0], reason)
    yield Capability("cloudformation", "CreateStack (a DynamoDB table)", verdict, why)


PROBES: tuple[Callable[[ProbeContext], Iterator[Capability]], ...] = (
    probe_dynamodb, probe_auth.probe_sts, probe_auth.probe_cognito, probe_apigateway, probe_lambda,
    probe_cloudformation)


def run_probe(url: str, region: str = "us-east-1", credentials: tuple[str, str] = ROOT) -> ProbeReport:
    """Every probe against `url` as its root, then the resources made removed (best effort)."""
    t0 = time.perf_counter()
    ctx = ProbeContext(url.rstrip("/"), region, credentials)
    who = attempt(lambda: ctx.client("sts").get_caller_identity())
    if who.ok:
        ctx.account = str(who.value["Account"])
    found: list[Capability] = []
    try:
        for probe in PROBES:
            try:
                found.extend(probe(ctx))
            except Exception as exc:  # a probe's own bug must not hide the others' verdicts
                found.append(Capability(probe.__name__.removeprefix("probe_"), "probe", Verdict.UNSUPPORTED,
                                        f"the probe failed: {type(exc).__name__}: {exc}"[:300]))
    finally:
        for cleanup in reversed(ctx.cleanups):
            with contextlib.suppress(Exception):
                cleanup()
    return ProbeReport(ctx.url, ctx.account, tuple(found), round(time.perf_counter() - t0, 2))
