"""AWS error responses in each protocol's own wire shape, so SDKs raise the exception AWS would."""

from __future__ import annotations

import json
import re
import uuid
from xml.sax.saxutils import escape

from harness.edge import cbor
from harness.edge.protocols import ServiceInfo
from harness.http import HttpResponse

# Authentication failures: (json/rest code, query/xml code, message)
AUTH_FAILURES: dict[str, tuple[str, str, str]] = {
    "unknown_key": ("UnrecognizedClientException", "InvalidClientTokenId",
                    "The security token included in the request is invalid."),
    "bad_signature": ("InvalidSignatureException", "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you "
                      "provided. Check your AWS Secret Access Key and signing method. Consult the "
                      "service documentation for details."),
    "expired": ("ExpiredTokenException", "ExpiredToken",
                "The security token included in the request is expired"),
    "missing": ("MissingAuthenticationTokenException", "MissingAuthenticationToken",
                "Request is missing Authentication Token"),
    "incomplete": ("IncompleteSignatureException", "IncompleteSignature", ""),
    # A presigned request past X-Amz-Date + X-Amz-Expires (S3: 403 AccessDenied, below).
    "request_expired": ("InvalidSignatureException", "SignatureDoesNotMatch", "Request has expired"),
}

_S3_AUTH_CODES = {"unknown_key": "InvalidAccessKeyId", "bad_signature": "SignatureDoesNotMatch",
                  "expired": "ExpiredToken", "missing": "AccessDenied",
                  "incomplete": "AuthorizationHeaderMalformed", "request_expired": "AccessDenied"}

_QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
}


# Characters XML 1.0 cannot carry (C0 controls but tab/newline/CR, surrogates, U+FFFE/U+FFFF): an
# action name or key echoed back from a hostile request must not make the error unparseable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return escape(_XML_INVALID.sub("\ufffd", text))


def request_id() -> str:
    return str(uuid.uuid4())


def aws_error(svc: ServiceInfo | None, code: str, message: str, status: int = 400,
              *, sender: bool = True) -> HttpResponse:
    """One error in the wire shape of the service's protocol."""
    rid = request_id()
    proto = svc.protocol if svc else "rest-json"
    if proto == "json" and svc is not None:
        type_name = code
        if svc.name in ("dynamodb", "dynamodbstreams"):
            type_name = f"com.amazonaws.dynamodb.v20120810#{code}"
        body = json.dumps({"__type": type_name, "message": message}).encode()
        ctype = f"application/x-amz-json-{svc.json_version or '1.0'}"
        return HttpResponse(status, [("Content-Type", ctype), ("x-amzn-RequestId", rid)], body)
    if proto in ("query", "ec2"):
        ns = _QUERY_NAMESPACES.get(svc.name if svc else "", "")
        xmlns = f' xmlns="{ns}"' if ns else ""
        body = (
            f"<ErrorResponse{xmlns}><Error><Type>{'Sender' if sender else 'Receiver'}</Type>"
            f"<Code>{_xml_text(code)}</Code><Message>{_xml_text(message)}</Message></Error>"
            f"<RequestId>{rid}</RequestId></ErrorResponse>"
        ).encode()
        return HttpResponse(status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body)
    if proto == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{_xml_text(code)}</Code><Message>{_xml_text(message)}</Message>"
            f"<RequestId>{rid}</RequestId></Error>"
        ).encode()
        return HttpResponse(status, [("Content-Type", "application/xml"),
                                     ("x-amz-request-id", rid)], body)
    if proto == "smithy-rpc-v2-cbor":
        body = cbor.dumps({"__type": code, "message": message})
        return HttpResponse(status, [("Content-Type", "application/cbor"),
                                     ("smithy-protocol", "rpc-v2-cbor"),
                                     ("x-amzn-RequestId", rid), ("x-amzn-ErrorType", code)], body)
    payload: dict[str, str] = {"message": message}
    if svc is not None and svc.name == "lambda":
        payload = {"Type": "User", "message": message}
    return HttpResponse(status, [("Content-Type", "application/json"), ("x-amzn-RequestId", rid),
                                 ("x-amzn-ErrorType", code)], json.dumps(payload).encode())


def auth_error(svc: ServiceInfo | None, kind: str, detail: str | None = None) -> HttpResponse:
    """Authentication failures, which each protocol names and numbers differently."""
    json_code, query_code, message = AUTH_FAILURES[kind]
    message = detail or message
    proto = svc.protocol if svc else "rest-json"
    if proto in ("query", "ec2"):
        status = 400 if kind in ("expired", "incomplete") else 403
        return aws_error(svc, query_code, message, status)
    if proto == "rest-xml":
        status = 400 if kind in ("expired", "incomplete") else 403
        return aws_error(svc, _S3_AUTH_CODES[kind], message, status)
    if proto in ("json", "smithy-rpc-v2-cbor"):
        if kind == "missing":
            return aws_error(svc, json_code, message, 400 if proto == "json" else 403)
        return aws_error(svc, json_code, message, 400)
    if kind == "missing":
        return aws_error(svc, "MissingAuthenticationTokenException", "Missing Authentication Token",
                         403)
    return aws_error(svc, json_code, message, 403)


def access_denied(svc: ServiceInfo | None, caller_arn: str, action: str, resource: str,
                  reason: str) -> HttpResponse:
    """The AccessDenied answer every service gives, with the caller, action and why."""
    msg = f"User: {caller_arn} is not authorized to perform: {action}"
    if resource and resource != "*":
        msg += f" on resource: {resource}"
    if reason:
        msg += f" {reason}"
    proto = svc.protocol if svc else "rest-json"
    if proto in ("query", "ec2"):
        return aws_error(svc, "AccessDenied", msg, 403)
    if proto == "rest-xml":
        return aws_error(svc, "AccessDenied", msg, 403)
    if proto in ("json", "smithy-rpc-v2-cbor"):
        return aws_error(svc, "AccessDeniedException", msg, 400)
    return aws_error(svc, "AccessDeniedException", msg, 403)
