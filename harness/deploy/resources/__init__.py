"""Provisioners by CloudFormation type: the registry the engine asks for each resource."""

from __future__ import annotations

from harness.deploy.resources import apigateway, cognito, dynamodb, iam, inert, lambda_, usage, versions
from harness.deploy.resources.base import Context, Created, Provisioner

PROVISIONERS: dict[str, Provisioner] = {
    p.type_name: p for p in (
        dynamodb.Table(), lambda_.Function(), lambda_.LayerVersion(), lambda_.Permission(),
        iam.Role(), iam.Policy(), iam.ManagedPolicy(), cognito.UserPool(),
        cognito.UserPoolClient(), cognito.UserPoolGroup(), apigateway.RestApi(),
        apigateway.Resource(), apigateway.Method(), apigateway.Authorizer(),
        apigateway.Deployment(), apigateway.Stage(), apigateway.GatewayResponse(),
        usage.UsagePlan(), usage.ApiKey(), usage.UsagePlanKey(), versions.Version(),
        versions.Alias(), *inert.INERT,
    )
}

__all__ = ["PROVISIONERS", "Context", "Created", "Provisioner"]
