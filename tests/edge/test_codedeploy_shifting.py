"""CodeDeploy's predefined Lambda configurations, the AppSpec of an alias deployment, and the
deterministic choice of a weighted alias's version.

https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html
(predefined Lambda configurations), https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html#appspec-file-example-lambda
(the Lambda AppSpec: Name, Alias, CurrentVersion, TargetVersion, BeforeAllowTraffic and
AfterAllowTraffic hooks), https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html
(alias weights).
"""

from __future__ import annotations

import json

import pytest

from harness.clock import VirtualClock
from harness.deploy.resources.shifting import appspec
from harness.edge.codedeploy.configs import PREDEFINED, ShiftKind, predefined
from harness.edge.codedeploy.deployments import DeploymentError, Deployments, parse_appspec


@pytest.mark.parametrize(("name", "at", "weight"), [
    ("CodeDeployDefault.LambdaAllAtOnce", 0, 1.0),
    ("CodeDeployDefault.LambdaCanary10Percent5Minutes", 0, 0.1),
    ("CodeDeployDefault.LambdaCanary10Percent5Minutes", 299, 0.1),
    ("CodeDeployDefault.LambdaCanary10Percent5Minutes", 300, 1.0),
    ("CodeDeployDefault.LambdaCanary10Percent30Minutes", 1799, 0.1),
    ("CodeDeployDefault.LambdaLinear10PercentEvery1Minute", 0, 0.1),
    ("CodeDeployDefault.LambdaLinear10PercentEvery1Minute", 60, 0.2),
    ("CodeDeployDefault.LambdaLinear10PercentEvery1Minute", 539, 0.9),
    ("CodeDeployDefault.LambdaLinear10PercentEvery1Minute", 540, 1.0),
    ("CodeDeployDefault.LambdaLinear10PercentEvery10Minutes", 1200, 0.3),
])
def test_predefined_configurations_give_the_new_version_its_documented_share(
        name: str, at: float, weight: float) -> None:
    config = predefined(name)
    assert config is not None
    assert config.new_version_weight(at) == pytest.approx(weight)


def test_every_predefined_lambda_configuration_is_known_and_others_are_not() -> None:
    kinds = {predefined(n).kind for n in PREDEFINED}  # type: ignore[union-attr]
    assert kinds == {ShiftKind.ALL_AT_ONCE, ShiftKind.CANARY, ShiftKind.LINEAR}
    assert predefined("CodeDeployDefault.LambdaCanary10Percent7Minutes") is None
    assert predefined("CodeDeployDefault.OneAtATime") is None  # an EC2 configuration
    assert predefined("CodeDeployDefault.LambdaLinear10PercentEvery1Minute").finished_after_s() == 540  # type: ignore[union-attr]


def test_the_appspec_cloudformation_sends_names_alias_versions_and_hooks() -> None:
    content = appspec("FnAliaslive", {"FunctionName": "fn", "Name": "live", "FunctionVersion": "3"}, "2",
                      {"BeforeAllowTrafficHook": "pre", "AfterAllowTrafficHook": "post"})
    spec = parse_appspec(content)
    assert (spec.function, spec.alias, spec.current, spec.target, spec.before_hook, spec.after_hook) == (
        "fn", "live", "2", "3", "pre", "post")
    assert json.loads(content)["Resources"][0]["FnAliaslive"]["Type"] == "AWS::Lambda::Function"


ECS = '{"Resources": [{"x": {"Type": "AWS::ECS::Service", "Properties": {}}}]}'


@pytest.mark.parametrize("content", ["", "{}", '{"Resources": []}', ECS])
def test_an_appspec_that_is_not_a_lambda_appspec_is_refused(content: str) -> None:
    with pytest.raises(DeploymentError) as err:
        parse_appspec(content)
    assert err.value.code == "InvalidRevisionException"


def _deployments(clock: VirtualClock) -> tuple[Deployments, list[tuple[str, dict[str, float]]], list[bytes]]:
    writes: list[tuple[str, dict[str, float]]] = []
    hooks: list[bytes] = []
    deps = Deployments(clock, lambda f, a, v, w: writes.append((v, w)), lambda f, p: hooks.append(p))
    return deps, writes, hooks


def test_a_canary_deployment_moves_the_alias_on_the_virtual_clock_only() -> None:
    clock = VirtualClock(frozen_at=1_700_000_000.0)
    deps, writes, _ = _deployments(clock)
    config = predefined("CodeDeployDefault.LambdaCanary10Percent5Minutes")
    assert config is not None
    dep = deps.create("app", "group", config, parse_appspec(appspec(
        "A", {"FunctionName": "fn", "Name": "live", "FunctionVersion": "2"}, "1", {})))
    assert (dep.status, writes) == ("InProgress", [("1", {"2": 0.1})])
    with pytest.raises(DeploymentError) as busy:
        deps.create("app", "group", config, dep.spec)
    assert busy.value.code == "DeploymentLimitExceededException"
    clock.advance(299)
    assert deps.get(dep.id).status == "InProgress"  # type: ignore[union-attr]
    clock.advance(1)
    assert deps.get(dep.id).status == "Succeeded"  # type: ignore[union-attr]
    assert writes[-1] == ("2", {})


def test_a_hook_must_report_succeeded_before_traffic_moves_and_may_report_only_once() -> None:
    clock = VirtualClock(frozen_at=1_700_000_000.0)
    deps, writes, hooks = _deployments(clock)
    config = predefined("CodeDeployDefault.LambdaAllAtOnce")
    assert config is not None
    dep = deps.create("app", "group", config, parse_appspec(appspec(
        "A", {"FunctionName": "fn", "Name": "live", "FunctionVersion": "2"}, "1",
        {"BeforeAllowTrafficHook": "pre"})))
    event = json.loads(hooks[0])
    assert event["DeploymentId"] == dep.id and writes == []
    with pytest.raises(DeploymentError):
        deps.report_hook(dep.id, event["LifecycleEventHookExecutionId"], "Maybe")
    deps.report_hook(dep.id, event["LifecycleEventHookExecutionId"], "Succeeded")
    assert (dep.status, writes) == ("Succeeded", [("2", {})])
    with pytest.raises(DeploymentError) as again:
        deps.report_hook(dep.id, event["LifecycleEventHookExecutionId"], "Failed")
    assert again.value.code == "LifecycleEventAlreadyCompletedException"
