"""Small helpers for Lambda proxy replies and request bodies."""

import json


class BadRequest(Exception):
    """The request cannot be served as sent; the message goes back to the client with a 400."""


def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def json_object(event):
    """The request body as a JSON object, or BadRequest for anything else (no body, bad JSON, a list)."""
    raw = event.get("body")
    if not raw:
        raise BadRequest("a JSON object body is required")
    if len(raw) > 64 * 1024:
        raise BadRequest("the body is larger than 64 KB")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def text_field(body, name, *, max_len, required=True, default=None):
    value = body.get(name, default)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise BadRequest(f"{name} must be a non-empty string of at most {max_len} characters")
    return value
