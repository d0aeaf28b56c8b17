"""Resources that only observe or deliver: accepted with a note, recorded, never sent to an endpoint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.base import Context, Created, Provisioner

_Attrs = Callable[[Context, str], dict[str, Any]]

_OBSERVE = "it only observes (metrics, alarms, logs); the harness keeps its own logs and metrics"
_DELIVER = ("it only delivers content to browsers or stores artefacts; the harness serves "
            "APIs, not front ends")

# type -> (why it is inert, name property, name length limit, attributes from (ctx, name))
_SPECS: dict[str, tuple[str, str | None, int, _Attrs]] = {
    "AWS::CloudWatch::Alarm": (_OBSERVE, "AlarmName", 255, lambda c, n: {
        "Arn": c.arn("cloudwatch", f"alarm:{n}")}),
    "AWS::CloudWatch::Dashboard": (_OBSERVE, "DashboardName", 255, lambda c, n: {}),
    "AWS::Logs::LogGroup": (_OBSERVE, "LogGroupName", 512, lambda c, n: {
        "Arn": c.arn("logs", f"log-group:{n}:*")}),
    "AWS::Logs::SubscriptionFilter": (_OBSERVE, "FilterName", 512, lambda c, n: {}),
    "AWS::Logs::MetricFilter": (_OBSERVE, "FilterName", 512, lambda c, n: {}),
    "AWS::ApiGateway::Account": (_OBSERVE + " (it sets the CloudWatch role of API Gateway)",
                                 None, 64, lambda c, n: {}),
    "AWS::Cognito::UserPoolDomain": (_DELIVER + " (the hosted sign-in UI's domain)", "Domain",
                                     63, lambda c, n: {
                                         "CloudFrontDistribution": f"{n}.cloudfront.net"}),
    "AWS::CloudFront::Distribution": (_DELIVER, None, 14, lambda c, n: {
        "Id": n.upper(), "DomainName": f"{n.lower()}.cloudfront.net"}),
    "AWS::CloudFront::OriginAccessControl": (_DELIVER, None, 14, lambda c, n: {"Id": n.upper()}),
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": (_DELIVER, None, 14, lambda c, n: {
        "Id": n.upper(), "S3CanonicalUserId": n.lower()}),
    "AWS::Amplify::App": (_DELIVER + " (Amplify Hosting)", "Name", 255, lambda c, n: {
        "AppId": n[-12:].lower(), "AppName": n, "Arn": c.arn("amplify", f"apps/{n[-12:].lower()}"),
        "DefaultDomain": f"{n[-12:].lower()}.amplifyapp.com"}),
    "AWS::Amplify::Branch": (_DELIVER + " (Amplify Hosting)", "BranchName", 255, lambda c, n: {
        "BranchName": n, "Arn": c.arn("amplify", f"branches/{n}")}),
}
INERT_TYPES: dict[str, str] = {t: spec[0] for t, spec in _SPECS.items()}


def _make(type_name: str) -> Provisioner:
    why, name_prop, name_max, attrs = _SPECS[type_name]

    class Inert(Provisioner):
        __doc__ = f"{type_name}, accepted as inert: {why}."

        def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
                   name: str | None) -> Created:
            physical = str(name or ctx.generate_name(logical_id, name_max))
            return Created(physical, attrs(ctx, physical))

        def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
                   name: str | None) -> Created:
            return Created(old.physical_id, dict(old.attributes))

        def delete(self, ctx: Context, res: PhysicalResource) -> None:
            return None

    Inert.type_name = type_name
    Inert.name_property = name_prop
    Inert.name_max = name_max
    Inert.attributes = frozenset(attrs(_Probe(), "probe"))
    Inert.__name__ = Inert.__qualname__ = "Inert" + type_name.replace("::", "")
    return Inert()


class _Probe(Context):
    """A context stand-in used once per type to list the attribute names it provides."""

    def __init__(self) -> None:
        super().__init__(client_factory=lambda s: None, region="us-east-1", account="0",
                         stack_name="probe", stack_id="probe", template_dir=Path("."))


INERT: list[Provisioner] = [_make(t) for t in _SPECS]
