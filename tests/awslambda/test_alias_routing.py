"""A weighted alias runs its additional version for exactly floor(N * weight) of N invocations.

https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html (an alias routes a
percentage of invocations to a second version; the Invoke response names the version that ran).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from typing import Any

import pytest

from harness.edge.awslambda.routing import is_alias
from tests.edge.helpers import make_role, unique


def _zip(mark: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", f"def handler(e, c):\n    return {mark!r}\n")
    return buf.getvalue()


@pytest.mark.parametrize(("qualifier", "alias"), [("live", True), ("1", False), ("$LATEST", False),
                                                  (None, False), ("v2", True)])
def test_only_names_that_are_not_versions_are_aliases(qualifier: str | None, alias: bool) -> None:
    assert is_alias(qualifier) is alias


def test_invoking_a_weighted_alias_runs_each_version_in_proportion_and_reports_it(aws: Any) -> None:
    lam = aws("lambda")
    name = unique("weighted")
    role = make_role(aws, {"Service": "lambda.amazonaws.com"})
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="app.handler",
                        Code={"ZipFile": _zip("one")})
    lam.publish_version(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=_zip("two"))
    lam.publish_version(FunctionName=name)
    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    ran = []
    for _ in range(40):
        resp = lam.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
        ran.append((resp["ExecutedVersion"], json.loads(resp["Payload"].read())))
    assert Counter(ran) == {("1", "one"): 30, ("2", "two"): 10}
    assert ran[3] == ("2", "two") and ran[:3] == [("1", "one")] * 3  # spread evenly
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                     RoutingConfig={"AdditionalVersionWeights": {}})
    assert lam.invoke(FunctionName=alias["AliasArn"], Payload=b"{}")["ExecutedVersion"] == "2"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=name, Qualifier="nope", Payload=b"{}")
