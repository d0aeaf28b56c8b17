"""Provisioners by CloudFormation type: the registry the engine asks for each resource."""

from __future__ import annotations

from typing import Any

from harness.deploy.resources import (
    apigateway,
    codedeploy,
    cognito,
    custom,
    dynamodb,
    event_sources,
    eventbridge,
    iam,
    inert,
    lambda_,
    messaging,
    s3,
    secrets,
    stack,
    streams,
    usage,
    versions,
)
from harness.deploy.resources.base import Context, Created, Provisioner

CUSTOM_PREFIX = "Custom::"


class Registry(dict[str, Provisioner]):
    """Provisioners by type; every `Custom::<Name>` is a custom resource of that name."""

    def __missing__(self, key: str) -> Provisioner:
        if isinstance(key, str) and key.startswith(CUSTOM_PREFIX) and len(key) > len(CUSTOM_PREFIX):
            return custom.CustomResource(key)
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(key) or (
            isinstance(key, str) and key.startswith(CUSTOM_PREFIX) and len(key) > len(CUSTOM_PREFIX))

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[key] if self.__contains__(key) else default


PROVISIONERS: Registry = Registry({
    p.type_name: p for p in (
        dynamodb.Table(), lambda_.Function(), lambda_.LayerVersion(), lambda_.Permission(),
        iam.Role(), iam.Policy(), iam.ManagedPolicy(), cognito.UserPool(),
        cognito.UserPoolClient(), cognito.UserPoolGroup(), apigateway.RestApi(),
        apigateway.Resource(), apigateway.Method(), apigateway.Authorizer(),
        apigateway.Deployment(), apigateway.Stage(), apigateway.GatewayResponse(),
        usage.UsagePlan(), usage.ApiKey(), usage.UsagePlanKey(), stack.NestedStack(),
        custom.CustomResource(), versions.Version(), versions.Alias(), codedeploy.Application(),
        codedeploy.DeploymentGroup(),
        secrets.Secret(), secrets.Parameter(), streams.KinesisStream(), streams.DeliveryStream(),
        messaging.Queue(), messaging.QueuePolicy(), messaging.Topic(), messaging.Subscription(),
        eventbridge.EventBus(), eventbridge.Rule(), eventbridge.ScheduleGroup(),
        eventbridge.Schedule(), event_sources.EventSourceMapping(), s3.Bucket(), s3.BucketPolicy(),
        *inert.INERT,
    )
})

__all__ = ["PROVISIONERS", "Context", "Created", "Provisioner"]
