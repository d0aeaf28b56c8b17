"""SAM's Policies property: managed policy names, inline documents and policy templates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.deploy.model import DeployError

_MANAGED_PATHS = {
    "AWSLambdaBasicExecutionRole": "service-role/AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole": "service-role/AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaRole": "service-role/AWSLambdaRole",
    "AWSLambdaDynamoDBExecutionRole": "service-role/AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaKinesisExecutionRole": "service-role/AWSLambdaKinesisExecutionRole",
    "AWSLambdaSQSQueueExecutionRole": "service-role/AWSLambdaSQSQueueExecutionRole",
}
BASIC_EXECUTION = "AWSLambdaBasicExecutionRole"
XRAY_WRITE = "AWSXRayDaemonWriteAccess"


def managed_arn(name: str) -> Any:
    """A managed policy given by name (as SAM allows) as its ARN; ARNs pass through."""
    if name.startswith("arn:"):
        return name
    path = _MANAGED_PATHS.get(name, name)
    return {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/" + path}


def _arn_sub(pattern: str, variables: dict[str, Any]) -> dict[str, Any]:
    return {"Fn::Sub": [pattern, variables]}


def _table(args: dict[str, Any]) -> list[Any]:
    base = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}"
    variables = {"tableName": args["TableName"]}
    return [_arn_sub(base, variables), _arn_sub(base + "/index/*", variables)]


def _statement(actions: list[str], resource: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


_CRUD = ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan",
         "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem",
         "dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"]
_READ = ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem",
         "dynamodb:DescribeTable"]
_WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"]

_TEMPLATES: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any]], list[dict[str, Any]]]]] = {
    "DynamoDBCrudPolicy": (("TableName",), lambda a: [_statement(_CRUD, _table(a))]),
    "DynamoDBReadPolicy": (("TableName",), lambda a: [_statement(_READ, _table(a))]),
    "DynamoDBWritePolicy": (("TableName",), lambda a: [_statement(_WRITE, _table(a))]),
    "DynamoDBReconfigurePolicy": (("TableName",), lambda a: [_statement(
        ["dynamodb:UpdateTable"], _table(a)[0])]),
    "LambdaInvokePolicy": (("FunctionName",), lambda a: [_statement(
        ["lambda:InvokeFunction"], _arn_sub(
            "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
            "${functionName}*", {"functionName": a["FunctionName"]}))]),
    "CloudWatchPutMetricPolicy": ((), lambda a: [_statement(["cloudwatch:PutMetricData"], "*")]),
    "SSMParameterReadPolicy": (("ParameterName",), lambda a: [_statement(
        ["ssm:DescribeParameters"], "*"), _statement(
        ["ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"], _arn_sub(
            "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/"
            "${parameterName}", {"parameterName": a["ParameterName"]}))]),
}


def policy_template(name: str, args: Any, where: str) -> list[dict[str, Any]]:
    """The statements a SAM policy template expands to (values may hold intrinsics)."""
    spec = _TEMPLATES.get(name)
    if spec is None:
        raise DeployError(f"{where}: unsupported SAM policy template {name}")
    params, build = spec
    args = args or {}
    if not isinstance(args, dict):
        raise DeployError(f"{where}: policy template {name} takes a mapping of parameters")
    missing = [p for p in params if p not in args]
    if missing:
        raise DeployError(f"{where}: policy template {name} needs parameter(s) {missing}")
    return build(args)


def expand_policies(function_id: str, policies: Any, where: str
                    ) -> tuple[list[Any], list[dict[str, Any]]]:
    """SAM Policies → (managed policy ARNs, inline role policies named `<Function>RolePolicy<i>`)."""
    items = policies if isinstance(policies, list) else [policies]
    managed: list[Any] = []
    inline: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        name = f"{function_id}RolePolicy{index}"
        if isinstance(item, str):
            managed.append(managed_arn(item))
        elif isinstance(item, dict) and len(item) == 1 and (
                "Ref" in item or next(iter(item)).startswith("Fn::")):
            managed.append(item)
        elif isinstance(item, dict) and "Statement" in item:
            # moto rejects documents without a Version; AWS would default to 2008-10-17.
            document = {"Version": "2012-10-17", **item}
            inline.append({"PolicyName": name, "PolicyDocument": document})
        elif isinstance(item, dict) and len(item) == 1:
            template, args = next(iter(item.items()))
            inline.append({"PolicyName": name, "PolicyDocument": {
                "Version": "2012-10-17", "Statement": policy_template(template, args, where)}})
        else:
            raise DeployError(f"{where}: cannot read Policies item {item!r} of {function_id}")
    return managed, inline
