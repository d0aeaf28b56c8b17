"""Public SAM apps (../shared/sam-corpus) deployed unchanged and exercised the way their READMEs say.

Each app is read in place; nothing of it is copied into the repository.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer
from harness.target import EmbeddedTarget

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "sam-corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/sam-corpus")
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared SAM corpus is not here")
PASSWORD = "Passw0rd!Passw0rd"


def request(target: EmbeddedTarget, api_id: str, stage: str, path: str, method: str = "GET",
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
    url = f"{target.endpoint}/restapis/{api_id}/{stage}/_user_request_{path}"
    req = urllib.request.Request(url, method=method, headers=headers or {},
                                 data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read().decode()
            status = r.status
    except urllib.error.HTTPError as e:
        text, status = e.read().decode(), e.code
    try:
        return status, json.loads(text)
    except json.JSONDecodeError:
        return status, text


def test_apigw_usage_plans_needs_the_key_and_enforces_the_plan(
        target: EmbeddedTarget, deployer: Deployer, aws: Any) -> None:
    """apigw-usage-plans: GET/POST /Prod/plantest answer 200 with the key, 403 without it.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
    (a method that requires an API key refuses a request without a valid key with 403).
    """
    result = deployer.deploy(CORPUS / "apigw-usage-plans" / "template.yaml", "corpus-usage-plans")
    assert result.status == "CREATE_COMPLETE"
    api_id = result.resources["UsagePlanAPI"].physical_id
    assert result.outputs["UsagePlanApi"] == (
        f"https://{api_id}.execute-api.us-east-1.amazonaws.com/Prod/plantest")
    key_id = result.resources["UsagePlanApiKey"].physical_id
    key = aws("apigateway").get_api_key(apiKey=key_id, includeValue=True)["value"]
    plan = aws("apigateway").get_usage_plan(usagePlanId=result.resources["UsagePlan"].physical_id)
    assert plan["quota"]["limit"] == 50 and plan["throttle"]["rateLimit"] == 15.0
    assert plan["apiStages"][0]["throttle"]["/plantest/POST"]["burstLimit"] == 10
    assert request(target, api_id, "Prod", "/plantest", headers={"x-api-key": key}) == (
        200, {"message": "hello world"})
    assert request(target, api_id, "Prod", "/plantest", "POST", {"x-api-key": key})[0] == 200
    status, body = request(target, api_id, "Prod", "/plantest")
    assert (status, body) == (403, {"message": "Forbidden"})
    deployer.delete("corpus-usage-plans")


def test_cognito_api_admits_an_id_token_and_refuses_none(
        target: EmbeddedTarget, deployer: Deployer, aws: Any) -> None:
    """amplify_cognito_apigateway_lambda_envvariables: GET /dev/lambdaExample with an ID token.

    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-integrate-with-cognito.html
    (a COGNITO_USER_POOLS method needs the pool's token in the header: 401 without it).
    The Amplify app and branch only host a front end and are accepted as inert, with notes.
    """
    template = CORPUS / "amplify_cognito_apigateway_lambda_envvariables" / "template.yaml"
    result = deployer.deploy(template, "corpus-amplify-cognito")
    assert result.status == "CREATE_COMPLETE"
    assert any(n.startswith("rAmplifyApp (AWS::Amplify::App) is accepted as inert")
               for n in result.notes)
    pool = result.outputs["CognitoUserPool"]
    client = result.outputs["CognitoUserPoolClient"]
    assert result.exports["CognitoUserPool"] == pool
    idp = aws("cognito-idp")
    idp.admin_create_user(UserPoolId=pool, Username="ann@example.com", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "given_name", "Value": "Ann"},
                                          {"Name": "family_name", "Value": "Lee"},
                                          {"Name": "email", "Value": "ann@example.com"}])
    idp.admin_set_user_password(UserPoolId=pool, Username="ann@example.com", Password=PASSWORD,
                                Permanent=True)
    tokens = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
        "USERNAME": "ann@example.com", "PASSWORD": PASSWORD})["AuthenticationResult"]
    api_id = result.resources["myAPI"].physical_id
    status, body = request(target, api_id, "dev", "/lambdaExample",
                           headers={"Authorization": tokens["IdToken"]})
    assert (status, body) == (200, "OK")
    assert request(target, api_id, "dev", "/lambdaExample")[0] == 401
    fn = aws("lambda").get_function_configuration(
        FunctionName=result.resources["myFunction"].physical_id)
    assert fn["Environment"]["Variables"] == {"cognito_region": "us-east-1",
                                              "user_pools_id": pool,
                                              "user_pools_web_client_id": client}
    deployer.delete("corpus-amplify-cognito")


def _invoke(aws: Any, name: str) -> Any:
    out = aws("lambda").invoke(FunctionName=name)
    return json.loads(out["Payload"].read())


def test_auto_publish_alias_publishes_versions_and_moves_the_alias(
        deployer: Deployer, aws: Any, tmp_path: Path) -> None:
    """lambda-version-alias: `dev` points at version 1; new code publishes 2, keeps 1, moves `dev`.

    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-autopublishalias
    """
    source = CORPUS / "lambda-version-alias" / "template.yaml"
    first = deployer.deploy(source, "corpus-version-alias")
    fn = first.resources["lambdaFunctionAlias"].physical_id
    lam = aws("lambda")
    alias = lam.get_alias(FunctionName=fn, Name="dev")
    assert alias["FunctionVersion"] == "1"
    body = json.loads(_invoke(aws, f"{fn}:dev")["body"])
    assert body == {"message": "Hello from Lambda! version 1"}
    changed = tmp_path / "template.yaml"
    changed.write_text(source.read_text().replace("version 1", "version 2")
                       .replace('VersionDescription: "1"', 'VersionDescription: "2"'))
    second = deployer.deploy(changed, "corpus-version-alias")
    assert second.status == "UPDATE_COMPLETE"
    assert lam.get_alias(FunctionName=fn, Name="dev")["FunctionVersion"] == "2"
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=fn)["Versions"]]
    assert versions == ["$LATEST", "1", "2"], "the superseded version is retained"
    assert json.loads(_invoke(aws, f"{fn}:dev")["body"]) == {
        "message": "Hello from Lambda! version 2"}
    deployer.delete("corpus-version-alias")
