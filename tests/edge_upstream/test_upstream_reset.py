"""POST /_harness/reset on an --upstream target resets the external endpoint through its reset hook.

Runs last in this package (module order): it empties moto_server for everyone.
"""

from __future__ import annotations

import http.client
import uuid
from pathlib import Path

import pytest

from harness.target import EmbeddedTarget, TargetOptions
from tests.edge_upstream.conftest import ClientFactory, MotoServer

pytestmark = pytest.mark.upstream


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_reset_empties_the_upstream_too(tmp_path: Path, moto_server: MotoServer,
                                        direct: ClientFactory) -> None:
    """POST /_harness/reset on an --upstream target resets moto_server through its reset hook."""
    with EmbeddedTarget(TargetOptions(port=0, upstream_url=moto_server.url,
                                      work_dir=tmp_path / "w")) as t:
        name = unique("doomed")
        direct("sqs").create_queue(QueueName=name)
        conn = http.client.HTTPConnection("127.0.0.1", t.port, timeout=30)
        conn.request("POST", "/_harness/reset")
        assert conn.getresponse().status == 200
        conn.close()
    assert not any(name in url for url in direct("sqs").list_queues().get("QueueUrls", []))
