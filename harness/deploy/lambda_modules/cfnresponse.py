"""cfnresponse: the interface AWS documents for inline custom-resource functions (send, SUCCESS, FAILED).

Written for the harness from the AWS CloudFormation User Guide, "cfn-response module": the
response object is PUT to the request's ResponseURL with an empty content type.
"""

from __future__ import annotations

import json
from typing import Any

import urllib3

SUCCESS = "SUCCESS"
FAILED = "FAILED"

http = urllib3.PoolManager()


def send(event: dict[str, Any], context: Any, responseStatus: str,
         responseData: dict[str, Any], physicalResourceId: str | None = None,
         noEcho: bool = False, reason: str | None = None) -> None:
    """PUT the response object for this request; failures to send are printed, not raised."""
    response_url = event["ResponseURL"]
    body = json.dumps({
        "Status": responseStatus,
        "Reason": reason or "See the details in CloudWatch Log Stream: "
                            + str(context.log_stream_name),
        "PhysicalResourceId": physicalResourceId or context.log_stream_name,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": noEcho,
        "Data": responseData,
    })
    print("Response body:")
    print(body)
    headers = {"content-type": "", "content-length": str(len(body))}
    try:
        response = http.request("PUT", response_url, headers=headers, body=body)
        print("Status code:", response.status)
    except Exception as exc:
        print("send(..) failed executing http.request(..):", exc)
