"""The session policy a tenant's credentials are scoped with: only partition TENANT#<id> of the table."""

import re

TENANT_ID = re.compile(r"^[0-9a-f]{32}$")
ITEM_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                "dynamodb:Query"]


class RefusedTenantId(ValueError):
    """Not an id signup ever issues (32 lowercase hex characters), so no policy is made for it."""


def partition(tenant_id):
    """The partition key of every item of the tenant."""
    return f"TENANT#{tenant_id}"


def session_policy(tenant_id, table_arn):
    """Item actions on the table, only where every leading key is exactly the tenant's partition."""
    if not isinstance(tenant_id, str) or not TENANT_ID.match(tenant_id):
        raise RefusedTenantId(f"not a tenant id: {tenant_id!r}")
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ITEM_ACTIONS, "Resource": [table_arn],
        "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [partition(tenant_id)]}}}]}
