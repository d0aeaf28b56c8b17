"""Everything a template holds that the harness cannot deploy, reported at once before anything exists."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.deploy import Deployer, DeployError
from harness.target import EmbeddedTarget

from .conftest import Project

FIVE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Machine:
    Type: AWS::StepFunctions::StateMachine
    Properties: {DefinitionString: "{}", RoleArn: arn:aws:iam::123456789012:role/r}
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Database:
    Type: AWS::RDS::DBInstance
    Properties: {Engine: postgres, DBInstanceClass: db.t3.micro}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def h(e, c): return 1"
      Handler: index.h
      Runtime: python3.12
      Environment:
        Variables:
          SHARED: {"Fn::Transform": {Name: AWS::Include, Parameters: {Location: shared.yaml}}}
  Broken:
    Type: AWS::Serverless::LayerVersion
    Properties: {CompatibleRuntimes: [python3.12]}
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.strip("\n").splitlines(), 1) if needle in line)


def test_five_unsupported_items_are_reported_in_one_error(
        deployer: Deployer, project: Project, stack_name: str) -> None:
    """Five problems of different kinds: one DeployError naming each with file:line, type and why."""
    with pytest.raises(DeployError) as err:
        deployer.deploy(project(FIVE), stack_name)
    text = str(err.value)
    assert text.startswith("template.yaml: 5 unsupported or invalid items; nothing was created:")
    assert (f"template.yaml:{_line(FIVE, 'Machine:')}: unsupported resource type "
            "AWS::StepFunctions::StateMachine (resource Machine): the harness deployer has no "
            "provisioner for this type") in text
    assert (f"template.yaml:{_line(FIVE, 'Vpc:')}: unsupported resource type AWS::EC2::VPC "
            "(resource Vpc)") in text
    assert (f"template.yaml:{_line(FIVE, 'Database:')}: unsupported resource type "
            "AWS::RDS::DBInstance (resource Database)") in text
    assert "Fn::Transform" in text
    assert (f"template.yaml:{_line(FIVE, 'Broken:')}: Resource with id [Broken] is invalid. "
            "Missing required property 'ContentUri'.") in text
    assert len(text.splitlines()) == 6
    assert stack_name not in deployer.list_stacks(), "nothing is created"


def test_the_cli_prints_every_problem_and_exits_2(target: EmbeddedTarget, project: Project,
                                                  tmp_path: Path) -> None:
    """`saas-harness deploy` shows the same one-pass report and creates nothing (through the harness's
    CloudFormation API, whose ValidationError says "Template format error:" as AWS's does)."""
    path = project(FIVE)
    cli = Path(sys.executable).parent / "saas-harness"
    proc = subprocess.run([str(cli), "deploy", str(path), "--endpoint", target.endpoint,
                           "--work-dir", str(tmp_path / "w")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines[0] == ("error: Template format error: template.yaml: 5 unsupported or invalid items; "
                        "nothing was created:")
    assert len(lines) == 6 and all(line.startswith("  template.yaml:") for line in lines[1:])


OBSERVERS = """
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 7}
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties: {MetricName: Errors, Namespace: AWS/Lambda, Threshold: 1}
  Board:
    Type: AWS::CloudWatch::Dashboard
    Properties: {DashboardBody: "{}"}
  Account:
    Type: AWS::ApiGateway::Account
  Site:
    Type: AWS::S3::Bucket
  SitePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Site
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: "*", Action: s3:GetObject,
                     Resource: !Sub "arn:aws:s3:::${Site}/*"}]
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties: {DistributionConfig: {Origins: [{DomainName: !GetAtt Site.RegionalDomainName}]}}
  Pool:
    Type: AWS::Cognito::UserPool
  Domain:
    Type: AWS::Cognito::UserPoolDomain
    Properties: {Domain: !Sub "${AWS::StackName}-login", UserPoolId: !Ref Pool}
Outputs:
  Bucket: {Value: !Ref Site}
  CdnDomain: {Value: !GetAtt Cdn.DomainName}
  LogArn: {Value: !GetAtt Logs.Arn}
"""


def test_observe_and_deliver_types_are_accepted_as_inert_with_notes(
        deployer: Deployer, project: Project, stack_name: str, aws: Any) -> None:
    """Alarms, dashboards, log groups, the API Gateway account, CloudFront and Cognito domains;
    S3 buckets and their policies are stored in S3.

    They observe or deliver and change nothing the harness emulates, so they deploy as records
    whose Ref/GetAtt values have AWS's shapes, each with a note (never an error).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html#aws-resource-s3-bucket-return-values
    """
    result = deployer.deploy(project(OBSERVERS), stack_name)
    assert result.status == "CREATE_COMPLETE"
    inert = {n.split(" ", 1)[0] for n in result.notes if "is accepted as inert" in n}
    assert inert == {"Logs", "Alarm", "Board", "Account", "Cdn", "Domain"}
    assert result.outputs["Bucket"] == result.outputs["Bucket"].lower()
    s3 = aws("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=result.outputs["Bucket"])["Policy"])
    assert policy["Statement"][0]["Action"] == "s3:GetObject", "the bucket and its policy are stored"
    assert result.outputs["CdnDomain"].endswith(".cloudfront.net")
    assert result.outputs["LogArn"].startswith("arn:aws:logs:us-east-1:")
    deployer.delete(stack_name)


def test_aws_published_layers_are_accepted_as_empty_layers(
        deployer: Deployer, project: Project, stack_name: str, aws: Any) -> None:
    """A public AWS-managed layer (Lambda Insights) is left off the function, with a note.

    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Lambda-Insights-extension-versionsx86-64.html
    """
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def h(e, c): return 1"
      Handler: index.h
      Runtime: python3.12
      Layers:
        - !Sub "arn:aws:lambda:${AWS::Region}:580247275435:layer:LambdaInsightsExtension:38"
"""
    result = deployer.deploy(project(text), stack_name)
    assert any("LambdaInsightsExtension:38 (CloudWatch Lambda Insights extension) is published "
               "by AWS; accepted as an empty layer" in n for n in result.notes)
    config = aws("lambda").get_function_configuration(
        FunctionName=result.resources["Fn"].physical_id)
    assert config.get("Layers", []) == []
    deployer.delete(stack_name)


def test_deployment_preference_creates_its_codedeploy_application_and_group(
        deployer: Deployer, project: Project, stack_name: str, aws: Any) -> None:
    """DeploymentPreference's CodeDeploy application and Lambda deployment group are created in
    CodeDeploy (traffic shifting: tests/deploy/test_deploy_traffic_shifting.py); the alias is created.

    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html
    """
    text = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def h(e, c): return 1"
      Handler: index.h
      Runtime: python3.12
      AutoPublishAlias: live
      DeploymentPreference: {Type: Linear10PercentEvery1Minute}
"""
    result = deployer.deploy(project(text), stack_name)
    assert result.status == "CREATE_COMPLETE"
    app = result.resources["ServerlessDeploymentApplication"].physical_id
    assert aws("codedeploy").get_application(applicationName=app)["application"][
        "computePlatform"] == "Lambda"
    group = aws("codedeploy").get_deployment_group(
        applicationName=app, deploymentGroupName=result.resources["FnDeploymentGroup"].physical_id)
    assert group["deploymentGroupInfo"]["deploymentConfigName"] == (
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute")
    fn = result.resources["Fn"].physical_id
    assert aws("lambda").get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "1"
    deployer.delete(stack_name)
