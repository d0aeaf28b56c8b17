"""Stack updates and deletes: new code, changed settings, added/removed/replaced resources, cleanup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer, DeployError

from .conftest import Project
from .helpers import sam_id

V1 = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Timeout: {Type: Number, Default: 5}
  Ttl: {Type: Number, Default: 30}
  Rate: {Type: Number, Default: 5}
  WithIndex: {Type: String, Default: "no", AllowedValues: ["yes", "no"]}
  WithExtraRoute: {Type: String, Default: "no", AllowedValues: ["yes", "no"]}
  WithKey: {Type: String, Default: "yes", AllowedValues: ["yes", "no"]}
Conditions:
  Index: !Equals [!Ref WithIndex, "yes"]
  Extra: !Equals [!Ref WithExtraRoute, "yes"]
  Key: !Equals [!Ref WithKey, "yes"]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: !If
        - Index
        - [{AttributeName: pk, AttributeType: S}, {AttributeName: email, AttributeType: S}]
        - [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      GlobalSecondaryIndexes: !If
        - Index
        - [{IndexName: ByEmail, KeySchema: [{AttributeName: email, KeyType: HASH}],
            Projection: {ProjectionType: ALL}}]
        - !Ref AWS::NoValue
  Authorizer:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: auth/, Handler: app.handler, Runtime: python3.12}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok:
            FunctionArn: !GetAtt Authorizer.Arn
            Identity: {ReauthorizeEvery: !Ref Ttl}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Timeout: !Ref Timeout
      Environment: {Variables: {TABLE: !Ref Table, TIMEOUT: !Ref Timeout}}
      Events:
        A: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /a, Method: get}}
  ExtraFn:
    Type: AWS::Serverless::Function
    Condition: Extra
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        B: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /b, Method: post}}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages:
        - ApiId: !Ref Api
          Stage: !Ref Api.Stage
          Throttle: {"/a/GET": {BurstLimit: 10, RateLimit: !Ref Rate}}
      Throttle: {BurstLimit: 100, RateLimit: !Ref Rate}
      Quota: {Limit: 1000, Period: DAY}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Condition: Key
    Properties: {Enabled: true}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Condition: Key
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
"""
FILES = {"src/app.py": "def handler(e, c):\n    return 1\n",
         "auth/app.py": "def handler(e, c):\n    return {}\n"}


def _resource_paths(aws: Any, api_id: str) -> set[str]:
    return {r["path"] for r in aws("apigateway").get_resources(restApiId=api_id)["items"]}


def test_update_code_settings_indexes_routes_and_plans(deployer: Deployer, project: Project,
                                                       stack_name: str, aws: Any) -> None:
    path = project(V1, FILES)
    first = deployer.deploy(path, stack_name)
    lam, apigw = aws("lambda"), aws("apigateway")
    fn_name = first.resources["Fn"].physical_id
    api_id = first.resources["Api"].physical_id
    plan_id = first.resources["Plan"].physical_id
    sha1 = lam.get_function(FunctionName=fn_name)["Configuration"]["CodeSha256"]
    runtime_key = apigw.create_api_key(name=f"{stack_name}-tenant", enabled=True)["id"]
    apigw.create_usage_plan_key(usagePlanId=plan_id, keyId=runtime_key, keyType="API_KEY")

    (path.parent / "src" / "app.py").write_text("def handler(e, c):\n    return 2\n")
    second = deployer.deploy(path, stack_name)
    config = lam.get_function(FunctionName=fn_name)["Configuration"]
    assert config["CodeSha256"] != sha1
    assert config["CodeSha256"] == second.resources["Fn"].properties["Code"]["_Sha256"]
    first_deployment = first.resources[sam_id(first.resources, "ApiDeployment")].physical_id
    assert second.resources[sam_id(second.resources, "ApiDeployment")].physical_id == \
        first_deployment, "code alone does not redeploy the API"

    third = deployer.deploy(path, stack_name, {"Timeout": "9", "Ttl": "60", "Rate": "20",
                                               "WithIndex": "yes", "WithExtraRoute": "yes",
                                               "WithKey": "no"})
    assert third.status == "UPDATE_COMPLETE"
    config = lam.get_function(FunctionName=fn_name)["Configuration"]
    assert config["Timeout"] == 9 and config["Environment"]["Variables"]["TIMEOUT"] == "9"
    assert config["CodeSha256"] == second.resources["Fn"].properties["Code"]["_Sha256"]
    table = aws("dynamodb").describe_table(TableName=third.outputs.get(
        "x", third.resources["Table"].physical_id))["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["ByEmail"]
    (auth,) = apigw.get_authorizers(restApiId=api_id)["items"]
    assert auth["authorizerResultTtlInSeconds"] == 60
    assert "/b" in _resource_paths(aws, api_id)
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    new_deployment = third.resources[sam_id(third.resources, "ApiDeployment")].physical_id
    assert new_deployment != first_deployment
    assert stage["deploymentId"] == new_deployment
    plan = apigw.get_usage_plan(usagePlanId=third.resources["Plan"].physical_id)
    assert plan["throttle"]["rateLimit"] == 20.0
    assert plan["apiStages"][0]["throttle"]["/a/GET"]["rateLimit"] == 20.0
    keys = {k["id"] for k in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]}
    assert keys == {runtime_key}, "runtime keys survive, the removed template key is gone"
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_api_key(apiKey=first.resources["Key"].physical_id)

    fourth = deployer.deploy(path, stack_name, {"Timeout": "9", "Ttl": "60", "Rate": "20",
                                                "WithIndex": "no"})
    assert "ExtraFn" not in fourth.resources
    assert "/b" not in _resource_paths(aws, api_id)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=third.resources["ExtraFn"].physical_id)
    table = aws("dynamodb").describe_table(TableName=fourth.resources["Table"].physical_id)
    assert not table["Table"].get("GlobalSecondaryIndexes")

    deployer.delete(stack_name)
    assert stack_name not in deployer.list_stacks()
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=fn_name)
    with pytest.raises(apigw.exceptions.NotFoundException):
        apigw.get_rest_api(restApiId=api_id)
    iam = aws("iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=fourth.resources["FnRole"].physical_id)


TABLE = """
Parameters:
  Key: {Type: String, Default: pk}
  Name: {Type: String, Default: ""}
Conditions:
  Named: !Not [!Equals [!Ref Name, ""]]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !If [Named, !Ref Name, !Ref AWS::NoValue]
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: !Ref Key, AttributeType: S}]
      KeySchema: [{AttributeName: !Ref Key, KeyType: HASH}]
Outputs:
  TableName: {Value: !Ref Table}
"""


def test_immutable_change_replaces_generated_names_and_refuses_custom_ones(
        deployer: Deployer, project: Project, stack_name: str, aws: Any) -> None:
    path = project(TABLE)
    first = deployer.deploy(path, stack_name)
    old = first.outputs["TableName"]
    assert old.startswith(f"{stack_name}-Table-")
    second = deployer.deploy(path, stack_name, {"Key": "id"})
    new = second.outputs["TableName"]
    assert new != old and new.startswith(f"{stack_name}-Table-")
    ddb = aws("dynamodb")
    assert ddb.describe_table(TableName=new)["Table"]["KeySchema"][0]["AttributeName"] == "id"
    assert old not in ddb.list_tables()["TableNames"]
    named = f"{stack_name}-named"
    deployer.deploy(path, stack_name, {"Key": "id", "Name": named})
    with pytest.raises(DeployError, match=r"template.yaml:\d+: resource Table "
                                          r"\(AWS::DynamoDB::Table\): KeySchema changed, which "
                                          r"requires replacement, but the resource has a custom "
                                          rf"name \({named}\)"):
        deployer.deploy(path, stack_name, {"Key": "pk", "Name": named})
    assert deployer.describe(stack_name).status == "UPDATE_ROLLBACK_COMPLETE"
    deployer.delete(stack_name)
    assert named not in ddb.list_tables()["TableNames"]


def test_delete_tolerates_resources_already_gone(deployer: Deployer, project: Project,
                                                  stack_name: str, aws: Any) -> None:
    path = project("""
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              Events:
                A: {Type: Api, Properties: {Path: /a, Method: get}}
        """, FILES)
    result = deployer.deploy(path, stack_name)
    assert result.outputs == {}
    assert "ServerlessRestApiProdStage" in result.resources
    aws("lambda").delete_function(FunctionName=result.resources["Fn"].physical_id)
    aws("apigateway").delete_rest_api(restApiId=result.resources["ServerlessRestApi"].physical_id)
    deployer.delete(stack_name)
    deployer.delete(stack_name)
    assert stack_name not in deployer.list_stacks()
    with pytest.raises(DeployError, match=f"stack {stack_name} does not exist"):
        deployer.describe(stack_name)


def test_file_store_records_physical_ids(target: Any, project: Project, tmp_path: Path,
                                         stack_name: str) -> None:
    from harness.deploy import FileStackStore

    store = FileStackStore(tmp_path / ".harness" / "stacks")
    local = Deployer(endpoint_url=target.endpoint, store=store, account="123456789012")
    path = project(TABLE)
    result = local.deploy(path, stack_name)
    record = store.load(stack_name)
    assert record is not None and record["status"] == "CREATE_COMPLETE"
    assert record["resources"]["Table"]["physical_id"] == result.outputs["TableName"]
    assert record["order"] == ["Table"]
    assert Deployer(endpoint_url=target.endpoint, store=store).describe(stack_name).outputs == \
        result.outputs
    local.delete(stack_name)
    assert store.names() == []


def test_parallel_deploys_of_different_stacks(deployer: Deployer, project: Project,
                                              stack_name: str, aws: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = project(TABLE)
    names = [f"{stack_name}-{i}" for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda n: deployer.deploy(path, n), names))
    tables = set(aws("dynamodb").list_tables()["TableNames"])
    assert {r.outputs["TableName"] for r in results} <= tables
    assert len({r.outputs["TableName"] for r in results}) == 4
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(deployer.delete, names))
    assert not {r.outputs["TableName"] for r in results} & set(
        aws("dynamodb").list_tables()["TableNames"])


def test_layer_content_change_publishes_a_new_version(deployer: Deployer, project: Project,
                                                       stack_name: str, aws: Any) -> None:
    path = project("""
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Libs:
            Type: AWS::Serverless::LayerVersion
            Properties: {ContentUri: layer/, LayerName: !Sub "${AWS::StackName}-libs",
                         RetentionPolicy: Delete}
          Kept:
            Type: AWS::Serverless::LayerVersion
            Properties: {ContentUri: layer/, LayerName: !Sub "${AWS::StackName}-kept"}
          Fn:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12,
                         Layers: [!Ref Libs, !Ref Kept]}
        """, {**FILES, "layer/python/libs/__init__.py": "V = 1\n"})
    lam = aws("lambda")
    first = deployer.deploy(path, stack_name)
    (path.parent / "layer" / "python" / "libs" / "__init__.py").write_text("V = 2\n")
    second = deployer.deploy(path, stack_name)
    old_arn = first.resources[sam_id(first.resources, "Libs")].physical_id
    new_arn = second.resources[sam_id(second.resources, "Libs")].physical_id
    assert new_arn.rsplit(":", 1)[1] == "2" and old_arn.rsplit(":", 1)[1] == "1"
    config = lam.get_function(FunctionName=second.resources["Fn"].physical_id)["Configuration"]
    assert [layer["Arn"] for layer in config["Layers"]] == [
        new_arn, second.resources[sam_id(second.resources, "Kept")].physical_id]
    versions = lam.list_layer_versions(LayerName=f"{stack_name}-libs")["LayerVersions"]
    assert [v["LayerVersionArn"] for v in versions] == [new_arn]
    kept = lam.list_layer_versions(LayerName=f"{stack_name}-kept")["LayerVersions"]
    assert len(kept) == 2, "the default RetentionPolicy keeps superseded versions"
    assert any("retained (DeletionPolicy Retain)" in n for n in second.notes), (
        "new content is a new SAM layer logical id; the superseded one is retained")
    deployer.delete(stack_name)
    assert lam.list_layer_versions(LayerName=f"{stack_name}-libs")["LayerVersions"] == []
    assert len(lam.list_layer_versions(LayerName=f"{stack_name}-kept")["LayerVersions"]) == 2
