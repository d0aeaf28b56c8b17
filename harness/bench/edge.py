"""`bench edge`: evaluator throughput and GetItem latency through the gate, as root, and to moto."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import boto3
import botocore.config

from harness.bench.stats import time_calls
from harness.edge.upstream import InProcessMoto
from harness.iam.bench import decisions_per_second
from harness.iam.builders import reference_session_policy
from harness.target import EmbeddedTarget, TargetOptions

TENANT = "3f1c0a9e5b7d4e2fa1c3b5d7e9f01234"
_CFG = botocore.config.Config(retries={"max_attempts": 1})


def _client(endpoint: str, service: str, creds: dict[str, str] | None = None) -> Any:
    key = creds or {"AccessKeyId": "test", "SecretAccessKey": "test"}
    return boto3.session.Session().client(
        service, region_name="us-east-1", endpoint_url=endpoint, config=_CFG,
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
        aws_session_token=key.get("SessionToken"))


def _make_table(ddb: Any) -> None:
    ddb.create_table(
        TableName="Product-pooled", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "shardId", "KeyType": "HASH"},
                   {"AttributeName": "productId", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "shardId", "AttributeType": "S"},
                              {"AttributeName": "productId", "AttributeType": "S"}])
    ddb.put_item(TableName="Product-pooled", Item={"shardId": {"S": f"{TENANT}-3"},
                                                    "productId": {"S": "p1"}})


def _scoped_credentials(endpoint: str, account: str) -> dict[str, str]:
    iam = _client(endpoint, "iam")
    iam.create_user(UserName="bench-authorizer")
    key = iam.create_access_key(UserName="bench-authorizer")["AccessKey"]
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": f"arn:aws:iam::{account}:user/bench-authorizer"}}]}
    iam.create_role(RoleName="bench-access", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="bench-access", PolicyName="tables", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*",
                                                "Resource": "*"}]}))
    sts = _client(endpoint, "sts", {"AccessKeyId": key["AccessKeyId"],
                                    "SecretAccessKey": key["SecretAccessKey"]})
    creds: dict[str, str] = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/bench-access", RoleSessionName="bench",
        Policy=reference_session_policy(TENANT))["Credentials"]
    return creds


def run(n: int = 1000, evaluator_seconds: float = 2.0) -> dict[str, Any]:
    """All three GetItem paths measured in this one run, so their ratios are comparable."""
    key = {"TableName": "Product-pooled",
           "Key": {"shardId": {"S": f"{TENANT}-3"}, "productId": {"S": "p1"}}}
    moto = InProcessMoto(account="000000000001")
    direct = moto.client("dynamodb")
    _make_table(direct)
    with tempfile.TemporaryDirectory() as tmp, \
            EmbeddedTarget(TargetOptions(port=0, work_dir=Path(tmp))) as target:
        root = _client(target.endpoint, "dynamodb")
        _make_table(root)
        scoped = _client(target.endpoint, "dynamodb",
                         _scoped_credentials(target.endpoint, target.upstream.account))
        if "Item" not in scoped.get_item(**key):
            raise RuntimeError("scoped GetItem returned no item")
        moto_direct = time_calls(lambda: direct.get_item(**key), n)
        root_path = time_calls(lambda: root.get_item(**key), n)
        gated = time_calls(lambda: scoped.get_item(**key), n)
    evaluator = decisions_per_second(evaluator_seconds)
    return {
        "benchmark": "edge",
        "evaluator": evaluator,
        "getitem": {"moto_in_process": moto_direct, "edge_root": root_path,
                    "edge_scoped_session": gated},
        "ratios": {
            "gate_overhead_p50": round(gated["p50_ms"] / root_path["p50_ms"], 3),
            "root_over_moto_p50": round(root_path["p50_ms"] / moto_direct["p50_ms"], 3),
        },
        "targets": {"evaluator_decisions_per_s": 20000, "gate_overhead_p50_max": 1.5},
    }
