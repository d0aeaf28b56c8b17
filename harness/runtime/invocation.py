"""What the header of an invocation frame carries: the invoked ARN and the decoded client context."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from harness.runtime.types import FunctionConfig


def qualified_arn(config: FunctionConfig) -> str:
    return config.arn if config.version == "$LATEST" else f"{config.arn}:{config.version}"


def decode_client_context(value: str | None) -> Any:
    """Invoke's ClientContext is base64 JSON; plain JSON is accepted too for convenience."""
    if not value:
        return None
    try:
        return json.loads(base64.b64decode(value, validate=True))
    except (ValueError, binascii.Error):
        try:
            return json.loads(value)
        except ValueError:
            return None
