"""binaryMediaTypes matching: which bodies travel base64-encoded and which responses get decoded.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html
"""

from __future__ import annotations


def _matches(media: str, pattern: str) -> bool:
    if pattern in ("*/*", media):
        return True
    if pattern.endswith("/*"):
        return media.split("/", 1)[0] == pattern[:-2]
    return False


def is_binary(content_type: str | None, binary_types: tuple[str, ...]) -> bool:
    """True when the request's Content-Type is one of the API's binary media types."""
    if not content_type or not binary_types:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return any(_matches(media, t.lower()) for t in binary_types)


def accepts_binary(accept: str | None, binary_types: tuple[str, ...]) -> bool:
    """True when the first media type in Accept is a binary media type (AWS decodes then)."""
    if not accept or not binary_types:
        return False
    first = accept.split(",", 1)[0]
    return is_binary(first, binary_types)
