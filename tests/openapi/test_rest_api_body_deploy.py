"""AWS::ApiGateway::RestApi from BodyS3Location, a Body update that redeploys, and a Body the
deployer refuses with every problem named before the API is created.

Docs: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigateway-restapi.html
(Body, BodyS3Location: Bucket, Key, Version; FailOnWarnings),
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api-errors-warnings.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer
from harness.deploy.model import DeployError
from harness.target import EmbeddedTarget
from tests.deploy.conftest import make_project
from tests.openapi.support import as_json, call


def _mock_doc(title: str, message: str) -> dict[str, Any]:
    return {"openapi": "3.0.1", "info": {"title": title}, "paths": {"/hello": {"get": {
        "responses": {"200": {}}, "x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {
                "application/json": json.dumps({"message": message})}}}}}}}}


TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      DEFINITION
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: v1}
Outputs:
  ApiId: {Value: !Ref Api}
"""


def _template(definition: str) -> str:
    return TEMPLATE.replace("DEFINITION", definition)


def test_body_s3_location_is_read_from_the_bucket(
        target: EmbeddedTarget, aws: Any, deployer: Deployer, tmp_path: Path) -> None:
    """BodyS3Location names an object holding the definition; the stage serves it."""
    s3 = aws("s3")
    s3.create_bucket(Bucket="openapi-definitions")
    s3.put_object(Bucket="openapi-definitions", Key="api.json",
                  Body=json.dumps(_mock_doc("from-s3", "hi from s3")).encode())
    path = make_project(tmp_path, _template(
        "BodyS3Location: {Bucket: openapi-definitions, Key: api.json}"))
    api_id = deployer.deploy(path, "openapi-s3-body").outputs["ApiId"]
    assert aws("apigateway").get_rest_api(restApiId=api_id)["name"] == "from-s3"
    status, _, raw = call(target, api_id, "v1", "/hello")
    assert (status, as_json(raw)) == (200, {"message": "hi from s3"})


def test_a_changed_body_is_imported_again_and_redeployed(
        target: EmbeddedTarget, deployer: Deployer, tmp_path: Path) -> None:
    """Updating the stack with a new Body overwrites the definition; the new deployment serves it."""
    path = make_project(tmp_path, _template("Body: " + json.dumps(_mock_doc("v", "one"))))
    api_id = deployer.deploy(path, "openapi-body-update").outputs["ApiId"]
    assert as_json(call(target, api_id, "v1", "/hello")[2]) == {"message": "one"}
    path.write_text(_template("Body: " + json.dumps(_mock_doc("v", "two"))))
    assert deployer.deploy(path, "openapi-body-update").outputs["ApiId"] == api_id
    assert as_json(call(target, api_id, "v1", "/hello")[2]) == {"message": "two"}


def test_a_bad_body_is_refused_naming_every_problem(
        aws: Any, deployer: Deployer, tmp_path: Path) -> None:
    """The whole document is checked first: the error lists each problem, no API is left."""
    bad = {"openapi": "3.0.1", "info": {"title": "bad-body"}, "paths": {
        "/x": {"get": {"responses": {}, "x-amazon-apigateway-integration": {
            "type": "aws", "httpMethod": "POST"}}},
        "/y": {"post": {"responses": {}, "x-amazon-apigateway-integration": {
            "type": "mock", "passthroughBehavior": "maybe"}}}}}
    path = make_project(tmp_path, _template("Body: " + json.dumps(bad)))
    with pytest.raises(DeployError) as info:
        deployer.deploy(path, "openapi-bad-body")
    message = str(info.value)
    assert "Invalid integration URI specified" in message
    assert "Invalid passthrough behavior 'maybe'" in message
    names = [a["name"] for a in aws("apigateway").get_rest_apis(limit=500)["items"]]
    assert "bad-body" not in names


def test_body_from_an_aws_include_of_a_local_file(
        target: EmbeddedTarget, deployer: Deployer, tmp_path: Path) -> None:
    """Body: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./api.yaml}}} is the
    file's document (what a SAM translation of DefinitionBody leaves for CloudFormation)."""
    (tmp_path / "api.json").write_text(json.dumps(_mock_doc("included", "from a file")))
    path = make_project(tmp_path, _template(
        "Body: {'Fn::Transform': {Name: 'AWS::Include', Parameters: {Location: ./api.json}}}"))
    api_id = deployer.deploy(path, "openapi-include-body").outputs["ApiId"]
    status, _, raw = call(target, api_id, "v1", "/hello")
    assert (status, as_json(raw)) == (200, {"message": "from a file"})
