"""`saas-harness up` owns its Lambda workers: after SIGTERM none of them is left running."""

from __future__ import annotations

import io
import json
import time
import zipfile

import boto3
import psutil

from harness.bench.process import TargetProcess


def test_no_worker_outlives_up(tmp_path: object) -> None:
    with TargetProcess() as target:
        def client(name: str) -> object:
            return boto3.session.Session().client(
                name, region_name="us-east-1", endpoint_url=target.endpoint,
                aws_access_key_id="test", aws_secret_access_key="test")

        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}
        role = client("iam").create_role(RoleName="leak-check",  # type: ignore[attr-defined]
                                         AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("app.py", "def handler(e, c):\n    return 1\n")
        lam = client("lambda")
        lam.create_function(FunctionName="leak", Runtime="python3.11",  # type: ignore[attr-defined]
                            Role=role, Handler="app.handler", Code={"ZipFile": buf.getvalue()})
        assert json.loads(lam.invoke(FunctionName="leak")["Payload"].read()) == 1  # type: ignore[attr-defined]
        parent = psutil.Process(target.proc.pid)
        workers = [p for p in parent.children(recursive=True)]
        assert workers, "the invocation should have started a worker"
        target.stop()
        deadline = time.time() + 10
        while time.time() < deadline and any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE
                                             for w in workers):
            time.sleep(0.1)
        assert not [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
