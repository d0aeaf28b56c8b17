"""SAM APIs defined by OpenAPI (DefinitionBody, a local DefinitionUri): the
definition becomes the RestApi's Body, and each function's Api event adds its path to it unless
the definition already serves that method, as SAM does.

https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-api.html
(DefinitionBody, DefinitionUri); AWS::Include is expanded when the template loads
(harness/deploy/include.py).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from harness.deploy.include import expand
from harness.deploy.loader import load_template
from harness.deploy.model import DeployError

_INVOKE_URI = ("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
               "functions/${__FunctionArn__}/invocations")


def definition(props: Any, directory: Path, where: str) -> dict[str, Any]:
    """The API's OpenAPI document from DefinitionBody or a local DefinitionUri."""
    if "DefinitionBody" in props:
        body = expand(props["DefinitionBody"], directory, where)
    else:
        uri = props["DefinitionUri"]
        if not isinstance(uri, str) or uri.startswith("s3://"):
            raise DeployError(f"{where}: DefinitionUri must be a local file for the harness")
        path = (directory / uri).resolve()
        if not path.is_file():
            raise DeployError(f"{where}: DefinitionUri {uri} is not a file")
        body = expand(load_template(path).body, path.parent, where)
    if not isinstance(body, dict):
        raise DeployError(f"{where}: DefinitionBody must be an OpenAPI object")
    return copy.deepcopy(body)


def add_event(body: dict[str, Any], path: str, method: str, function: str) -> None:
    """An Api event's Lambda proxy integration, unless the definition already has the method."""
    verb = "x-amazon-apigateway-any-method" if method == "ANY" else method.lower()
    paths = body.setdefault("paths", {})
    item = paths.setdefault(path, {})
    if verb in item:
        return
    item[verb] = {"responses": {}, "x-amazon-apigateway-integration": {
        "type": "aws_proxy", "httpMethod": "POST",
        "uri": {"Fn::Sub": [_INVOKE_URI, {"__FunctionArn__": {"Fn::GetAtt": [function, "Arn"]}}]}}}
