"""The plugin's spelling of `--target endpoint URL`: `--saas-upstream URL` puts the suites' embedded target
in front of the endpoint (and `--saas-upstream-reset` clears it first)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.targets.servers import MotoServer

PROBE_TEST = '''
from harness.suites.adapter import Target


def test_the_suites_target_stores_in_the_endpoint(saas_suite_target: Target) -> None:
    assert saas_suite_target.embedded is not None
    assert saas_suite_target.embedded.upstream.endpoint_label == "{url}"
    tables = saas_suite_target.embedded.upstream.client("dynamodb").list_tables()["TableNames"]
    assert "left-over" not in tables
'''


@pytest.mark.endpoint
def test_saas_upstream_puts_the_suites_target_in_front_of_the_endpoint(moto_endpoint: MotoServer,
                                                                       tmp_path: Path) -> None:
    direct = boto3.session.Session().client("dynamodb", region_name="us-east-1",
                                            endpoint_url=moto_endpoint.url, aws_access_key_id="test",
                                            aws_secret_access_key="test")
    direct.create_table(TableName="left-over", BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    (tmp_path / "test_upstream_probe.py").write_text(PROBE_TEST.replace("{url}", moto_endpoint.url))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "test_upstream_probe.py", "--saas-upstream", moto_endpoint.url,
                           "--saas-upstream-reset"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "1 passed" in proc.stdout
