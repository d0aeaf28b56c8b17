"""Types moto stores, created through their APIs, with CloudFormation's return values, and dynamic
references read from Parameter Store and Secrets Manager at deploy time."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.deploy import Deployer, DeployError

from .conftest import Project

TYPES = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 45}
  Fifo:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true}
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: sqs:SendMessage,
                     Resource: !GetAtt Queue.Arn}]
  Topic:
    Type: AWS::SNS::Topic
  Sub:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Protocol: sqs, Endpoint: !GetAtt Queue.Arn}
  Stream:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 2}
  Param:
    Type: AWS::SSM::Parameter
    Properties: {Type: String, Value: blue}
  Bus:
    Type: AWS::Events::EventBus
    Properties: {Name: !Sub "${AWS::StackName}-bus"}
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {source: [my.app]}
      Targets: [{Id: q, Arn: !GetAtt Queue.Arn}]
  Group:
    Type: AWS::Scheduler::ScheduleGroup
  Schedule:
    Type: AWS::Scheduler::Schedule
    Properties:
      GroupName: !Ref Group
      ScheduleExpression: rate(5 minutes)
      FlexibleTimeWindow: {Mode: "OFF"}
      Target: {Arn: !GetAtt Queue.Arn, RoleArn: !Sub "arn:aws:iam::${AWS::AccountId}:role/any"}
Outputs:
  QueueRef: {Value: !Ref Queue}
  QueueArn: {Value: !GetAtt Queue.Arn}
  QueueName: {Value: !GetAtt Queue.QueueName}
  FifoName: {Value: !GetAtt Fifo.QueueName}
  TopicRef: {Value: !Ref Topic}
  TopicName: {Value: !GetAtt Topic.TopicName}
  SubRef: {Value: !Ref Sub}
  StreamRef: {Value: !Ref Stream}
  StreamArn: {Value: !GetAtt Stream.Arn}
  ParamRef: {Value: !Ref Param}
  ParamValue: {Value: !GetAtt Param.Value}
  RuleRef: {Value: !Ref Rule}
  RuleArn: {Value: !GetAtt Rule.Arn}
  ScheduleRef: {Value: !Ref Schedule}
  ScheduleArn: {Value: !GetAtt Schedule.Arn}
  GroupArn: {Value: !GetAtt Group.Arn}
"""


def test_stored_types_are_created_with_cloudformation_return_values(
        deployer: Deployer, project: Project, stack_name: str, aws: Any) -> None:
    """Ref/GetAtt as each type's "Return values" section documents them, e.g.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html#aws-resource-sqs-queue-return-values
    (Ref is the URL), aws-resource-sns-topic.html (Ref is the ARN), aws-resource-events-rule.html
    (Ref is `bus|rule` on a custom bus), aws-resource-kinesis-stream.html and aws-resource-ssm-parameter.html
    (Ref is the name)."""
    result = deployer.deploy(project(TYPES), stack_name)
    out = result.outputs
    assert out["QueueRef"].endswith(f"/{out['QueueName']}") and out["QueueRef"].startswith("https://")
    assert out["QueueArn"] == f"arn:aws:sqs:us-east-1:{out['QueueArn'].split(':')[4]}:{out['QueueName']}"
    assert out["FifoName"].endswith(".fifo")
    sqs = aws("sqs")
    attrs = sqs.get_queue_attributes(QueueUrl=out["QueueRef"], AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert json.loads(attrs["Policy"])["Statement"][0]["Action"] == "sqs:SendMessage"
    assert out["TopicRef"].endswith(f":{out['TopicName']}")
    subs = aws("sns").list_subscriptions_by_topic(TopicArn=out["TopicRef"])["Subscriptions"]
    assert [s["SubscriptionArn"] for s in subs] == [out["SubRef"]]
    shards = aws("kinesis").list_shards(StreamName=out["StreamRef"])["Shards"]
    assert len(shards) == 2 and out["StreamArn"].endswith(f":stream/{out['StreamRef']}")
    assert aws("ssm").get_parameter(Name=out["ParamRef"])["Parameter"]["Value"] == "blue"
    assert out["ParamValue"] == "blue"
    bus, rule = out["RuleRef"].split("|")
    assert bus == f"{stack_name}-bus" and out["RuleArn"].endswith(f":rule/{bus}/{rule}")
    targets = aws("events").list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]
    assert [t["Arn"] for t in targets] == [out["QueueArn"]]
    group = result.resources["Group"].physical_id
    schedule = aws("scheduler").get_schedule(Name=out["ScheduleRef"], GroupName=group)
    assert schedule["Arn"] == out["ScheduleArn"] == out["ScheduleArn"].replace(
        "schedule/", "schedule/", 1)
    assert out["ScheduleArn"].endswith(f":schedule/{group}/{out['ScheduleRef']}")
    assert out["GroupArn"].endswith(f":schedule-group/{group}")
    deployer.delete(stack_name)
    assert sqs.list_queues(QueueNamePrefix=out["QueueName"]).get("QueueUrls", []) == []
    assert aws("kinesis").list_streams()["StreamNames"].count(out["StreamRef"]) == 0


DYNAMIC = """
Resources:
  Copy:
    Type: AWS::SSM::Parameter
    Properties:
      Type: String
      Value: !Join
        - "-"
        - ["{{resolve:ssm:/dyn/%(id)s/colour}}", "{{resolve:ssm:/dyn/%(id)s/colour:1}}",
           "{{resolve:secretsmanager:dyn-%(id)s:SecretString:user}}"]
Outputs:
  Value: {Value: !GetAtt Copy.Value}
"""


def test_dynamic_references_read_parameter_store_and_secrets_manager(
        deployer: Deployer, project: Project, stack_name: str, aws: Any) -> None:
    """ssm (latest and a version) and secretsmanager (a JSON key) resolved when the resource is
    created; the stack keeps the reference, not the value.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm.html,
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html
    """
    ssm = aws("ssm")
    ssm.put_parameter(Name=f"/dyn/{stack_name}/colour", Value="red", Type="String")
    ssm.put_parameter(Name=f"/dyn/{stack_name}/colour", Value="green", Type="String", Overwrite=True)
    aws("secretsmanager").create_secret(Name=f"dyn-{stack_name}",
                                        SecretString=json.dumps({"user": "ann", "pw": "x"}))
    result = deployer.deploy(project(DYNAMIC % {"id": stack_name}), stack_name)
    assert result.outputs["Value"] == "green-red-ann"
    recorded = result.resources["Copy"].properties["Value"]
    assert recorded.startswith("{{resolve:ssm:"), "the record keeps the reference"
    deployer.delete(stack_name)


@pytest.mark.parametrize(("reference", "message"), [
    ("{{resolve:ssm:/nowhere/at-all}}", "Parameters: [ssm:/nowhere/at-all] cannot be found."),
    ("{{resolve:secretsmanager:no-such-secret-anywhere:SecretString}}",
     "Secrets Manager can't find the specified secret."),
    ("{{resolve:ssm-secure:/any/secure}}",
     "SSM Secure reference is not supported in: [AWS::SSM::Parameter/Properties/Value]"),
])
def test_missing_or_misplaced_dynamic_references_fail_the_resource(
        deployer: Deployer, project: Project, stack_name: str, reference: str, message: str) -> None:
    """A reference that cannot be resolved fails its resource, and the stack rolls back.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm-secure-strings.html
    (ssm-secure only in the listed properties)."""
    text = ("Resources:\n  P:\n    Type: AWS::SSM::Parameter\n"
            f'    Properties: {{Type: String, Value: "{reference}"}}\n')
    with pytest.raises(DeployError) as err:
        deployer.deploy(project(text), stack_name)
    assert message in str(err.value)


def test_generated_secret_follows_the_template_and_exclusions(
        deployer: Deployer, project: Project, stack_name: str, aws: Any) -> None:
    """GenerateSecretString with SecretStringTemplate/GenerateStringKey merges the password in.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-secret-generatesecretstring.html
    """
    text = """
Resources:
  Secret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{"username": "admin"}'
        GenerateStringKey: password
        PasswordLength: 16
        ExcludePunctuation: true
Outputs:
  Arn: {Value: !Ref Secret}
"""
    result = deployer.deploy(project(text), stack_name)
    arn = result.outputs["Arn"]
    assert arn.startswith("arn:aws:secretsmanager:us-east-1:") and ":secret:" in arn
    doc = json.loads(aws("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    assert doc["username"] == "admin" and len(doc["password"]) == 16 and doc["password"].isalnum()
    deployer.delete(stack_name)


SAM_EVENTS = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            return len(event.get("Records", []))
      Events:
        Queue:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 5}
        Tick:
          Type: Schedule
          Properties: {Schedule: rate(1 minute)}
        Tock:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(2 minutes)}
"""


def test_sam_sqs_schedule_and_schedulev2_events_deliver(
        target: Any, deployer: Deployer, project: Project, stack_name: str, aws: Any) -> None:
    """SAM's SQS, Schedule and ScheduleV2 events become an EventSourceMapping, a rule with a
    Lambda permission, and a schedule with its role; each delivers to the function.
    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-sqs.html,
    sam-property-function-schedule.html, sam-property-function-schedulev2.html
    """
    result = deployer.deploy(project(SAM_EVENTS), stack_name)
    fn = result.resources["Worker"].physical_id
    [mapping] = aws("lambda").list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]
    assert mapping["BatchSize"] == 5
    queue = result.resources["Jobs"].physical_id
    aws("sqs").send_message(QueueUrl=queue, MessageBody="job")
    target.pollers.drain()
    attrs = aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]) == (
        "0", "0"), "the batch succeeded and was deleted"
    rule_arn = result.resources["WorkerTick"].attributes["Arn"]
    schedule_arn = result.resources["WorkerTock"].attributes["Arn"]
    target.pollers.drain()
    target.clock.advance(120)
    target.pollers.drain()
    invoked = {arn for arn, _, made in target.schedules.fired if made}
    assert {rule_arn, schedule_arn} <= invoked, "the rule's permission and the schedule's role admit"
    deployer.delete(stack_name)
