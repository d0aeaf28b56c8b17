"""Stack records shaped as the CloudFormation API's Stack, StackSummary, StackResource and ChangeSet."""

from __future__ import annotations

from typing import Any

from harness.edge.cloudformation.changesets import ChangeSet


def _latest(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The newest event of each resource (events are kept newest first)."""
    latest: dict[str, dict[str, Any]] = {}
    for event in record.get("events", []):
        latest.setdefault(str(event.get("LogicalResourceId")), event)
    return latest


def stack(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "StackId": record["stack_id"], "StackName": record["name"],
        "CreationTime": record.get("creation_time"), "StackStatus": record.get("status"),
        "DisableRollback": bool(record.get("disable_rollback")),
        "Parameters": [{"ParameterKey": k, "ParameterValue": v}
                       for k, v in sorted(record.get("parameters", {}).items())],
        "Outputs": list(record.get("output_details") or [
            {"OutputKey": k, "OutputValue": v} for k, v in record.get("outputs", {}).items()]),
        "Capabilities": list(record.get("capabilities") or []),
        "Tags": list(record.get("tags") or []),
        "NotificationARNs": list(record.get("notification_arns") or []),
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
    }
    for key, field in (("Description", "description"), ("StackStatusReason", "status_reason"),
                       ("LastUpdatedTime", "last_updated_time"), ("RoleARN", "role_arn"),
                       ("DeletionTime", "deletion_time")):
        if record.get(field):
            out[key] = record[field]
    return out


def summary(record: dict[str, Any]) -> dict[str, Any]:
    out = {"StackId": record["stack_id"], "StackName": record["name"],
           "CreationTime": record.get("creation_time"), "StackStatus": record.get("status"),
           "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"}}
    for key, field in (("TemplateDescription", "description"),
                       ("StackStatusReason", "status_reason"),
                       ("LastUpdatedTime", "last_updated_time"), ("DeletionTime", "deletion_time")):
        if record.get(field):
            out[key] = record[field]
    return out


def resources(record: dict[str, Any]) -> list[dict[str, Any]]:
    latest = _latest(record)
    rows = []
    for logical, res in record.get("resources", {}).items():
        event = latest.get(logical, {})
        status = str(event.get("ResourceStatus", "CREATE_COMPLETE"))
        rows.append({"StackName": record["name"], "StackId": record["stack_id"],
                     "LogicalResourceId": logical, "PhysicalResourceId": res["physical_id"],
                     "ResourceType": res["type"],
                     "Timestamp": event.get("Timestamp") or record.get("creation_time"),
                     "LastUpdatedTimestamp": event.get("Timestamp") or record.get("creation_time"),
                     "ResourceStatus": status,
                     "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"}})
    return rows


def change_set(cs: ChangeSet, stack_name: str, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ChangeSetId": cs.id, "ChangeSetName": cs.name, "StackId": cs.stack_id,
        "StackName": stack_name, "CreationTime": cs.created, "Status": cs.status,
        "ExecutionStatus": cs.execution}
    if cs.description:
        out["Description"] = cs.description
    if cs.reason:
        out["StatusReason"] = cs.reason
    if full:
        out["Changes"] = cs.changes
        out["Parameters"] = [{"ParameterKey": k, "ParameterValue": v}
                             for k, v in sorted(cs.parameters.items())]
        out["Capabilities"] = list(cs.request.capabilities)
        out["Tags"] = list(cs.request.tags)
    return out
