"""The sam-corpus app apigw-mappingtemplate-lambda, deployed unchanged from its folder and called
as its README says: a SAM API whose DefinitionBody is an AWS::Include of api.yaml with an `aws`
(non-proxy) Lambda integration on x-amazon-apigateway-any-method, whose response template sets
$context.responseOverride.status and rewrites the function's answer.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-any-method.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/create-reusable-transform-function-snippets-and-add-to-your-template-with-aws-include-transform.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer
from harness.target import EmbeddedTarget
from tests.openapi.support import as_json, call

APP = Path("/work/shared/sam-corpus/apigw-mappingtemplate-lambda")
pytestmark = pytest.mark.skipif(not (APP / "template.yaml").is_file(),
                                reason="the shared SAM corpus is not on this machine")


@pytest.fixture(scope="module")
def api_id(deployer: Deployer) -> str:
    outputs = deployer.deploy(APP / "template.yaml", "apigw-mappingtemplate-lambda").outputs
    return outputs["API"].split("//", 1)[1].split(".", 1)[0]


def test_post_to_the_stage_root_is_rewritten_to_400_with_statuscode_650(
        target: EmbeddedTarget, api_id: str) -> None:
    """The function answers {"statuscode": 200, "body": "error1"}; the response template sees
    "error", overrides the status to 400 and rewrites the object: 400, 650, "changed"."""
    status, headers, raw = call(target, api_id, "dev", "/", "POST", b"")
    assert status == 400, raw
    assert as_json(raw) == {"statuscode": 650, "body": "changed"}
    assert headers["Content-Type"] == "application/json"


def test_any_method_serves_every_verb(target: EmbeddedTarget, api_id: str, aws: Any) -> None:
    """x-amazon-apigateway-any-method becomes the ANY method of the root resource."""
    methods = aws("apigateway").get_resources(restApiId=api_id)["items"][0]["resourceMethods"]
    assert set(methods) == {"ANY"}
    assert call(target, api_id, "dev", "/", "GET")[0] == 400
