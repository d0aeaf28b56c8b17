"""SAM APIs defined by OpenAPI (DefinitionBody, a local DefinitionUri, AWS::Include): the
definition becomes the RestApi's Body, and each function's Api event adds its path to it unless
the definition already serves that method, as SAM does.

https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-api.html
(DefinitionBody, DefinitionUri) and https://docs.aws.amazon.com/AWSCloudFormation/latest/
UserGuide/create-reusable-transform-function-snippets-and-add-to-your-template-with-aws-include-transform.html
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from harness.deploy.loader import load_template
from harness.deploy.model import DeployError

_INVOKE_URI = ("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
               "functions/${__FunctionArn__}/invocations")


def include(value: Any, directory: Path, where: str) -> Any:
    """Replace every Fn::Transform AWS::Include (local Location) with the file's content."""
    if isinstance(value, list):
        return [include(v, directory, where) for v in value]
    if not isinstance(value, dict):
        return value
    transform = value.get("Fn::Transform") if len(value) == 1 else None
    if isinstance(transform, dict) and transform.get("Name") == "AWS::Include":
        location = str((transform.get("Parameters") or {}).get("Location") or "")
        if not location or location.startswith("s3://"):
            raise DeployError(f"{where}: AWS::Include needs a local Location (got {location!r})")
        path = (directory / location).resolve()
        if not path.is_file():
            raise DeployError(f"{where}: AWS::Include Location {location} is not a file")
        return include(dict(load_template(path).body), path.parent, where)
    return {k: include(v, directory, where) for k, v in value.items()}


def definition(props: Any, directory: Path, where: str) -> dict[str, Any]:
    """The API's OpenAPI document from DefinitionBody or a local DefinitionUri."""
    if "DefinitionBody" in props:
        body = include(props["DefinitionBody"], directory, where)
    else:
        uri = props["DefinitionUri"]
        if not isinstance(uri, str) or uri.startswith("s3://"):
            raise DeployError(f"{where}: DefinitionUri must be a local file for the harness")
        body = include(dict(load_template((directory / uri).resolve()).body), directory, where)
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
