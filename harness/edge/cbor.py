"""Just enough CBOR (RFC 8949) for the smithy-rpc-v2-cbor services the edge must read and answer."""

from __future__ import annotations

import struct
from typing import Any


class CBORError(ValueError):
    """A body that is not the CBOR it claims to be."""


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([(major << 5) | n])
    if n < 0x100:
        return bytes([(major << 5) | 24, n])
    if n < 0x10000:
        return bytes([(major << 5) | 25]) + struct.pack(">H", n)
    if n < 0x100000000:
        return bytes([(major << 5) | 26]) + struct.pack(">I", n)
    return bytes([(major << 5) | 27]) + struct.pack(">Q", n)


def dumps(value: Any) -> bytes:
    """Encode maps, arrays, text, bytes, integers, floats, booleans and null."""
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, bytes | bytearray):
        return _head(2, len(value)) + bytes(value)
    if isinstance(value, list | tuple):
        return _head(4, len(value)) + b"".join(dumps(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(dumps(str(k)) + dumps(v) for k, v in value.items())
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def loads(data: bytes) -> Any:
    """Decode one CBOR item; raises CBORError on anything malformed or truncated."""
    if not data:
        return {}
    value, pos = _decode(data, 0, 0)
    if pos != len(data):
        raise CBORError("trailing bytes after the CBOR item")
    return value


def _uint(data: bytes, pos: int, info: int) -> tuple[int, int]:
    if info < 24:
        return info, pos
    size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info)
    if size is None or pos + size > len(data):
        raise CBORError("bad CBOR length")
    return int.from_bytes(data[pos:pos + size], "big"), pos + size


def _decode(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    if depth > 64:
        raise CBORError("CBOR nested too deeply")
    if pos >= len(data):
        raise CBORError("truncated CBOR")
    first = data[pos]
    major, info = first >> 5, first & 0x1F
    pos += 1
    if major == 7:
        simple = {20: False, 21: True, 22: None, 23: None}
        if info in simple:
            return simple[info], pos
        fmt = {25: (">e", 2), 26: (">f", 4), 27: (">d", 8)}.get(info)
        if fmt is None or pos + fmt[1] > len(data):
            raise CBORError("unsupported CBOR simple value")
        return struct.unpack(fmt[0], data[pos:pos + fmt[1]])[0], pos + fmt[1]
    if info == 31 and major in (2, 3, 4, 5):
        return _decode_indefinite(data, pos, major, depth)
    n, pos = _uint(data, pos, info)
    if major == 0:
        return n, pos
    if major == 1:
        return -1 - n, pos
    if major in (2, 3):
        if pos + n > len(data):
            raise CBORError("truncated CBOR string")
        raw = data[pos:pos + n]
        if major == 2:
            return raw, pos + n
        try:
            return raw.decode(), pos + n
        except UnicodeDecodeError:
            raise CBORError("CBOR text is not UTF-8") from None
    if major == 4:
        items = []
        for _ in range(n):
            item, pos = _decode(data, pos, depth + 1)
            items.append(item)
        return items, pos
    if major == 5:
        out: dict[Any, Any] = {}
        for _ in range(n):
            key, pos = _decode(data, pos, depth + 1)
            val, pos = _decode(data, pos, depth + 1)
            out[_map_key(key)] = val
        return out, pos
    if major == 6:
        return _decode(data, pos, depth + 1)
    raise CBORError("unsupported CBOR item")


def _decode_indefinite(data: bytes, pos: int, major: int, depth: int) -> tuple[Any, int]:
    items: list[Any] = []
    while True:
        if pos >= len(data):
            raise CBORError("truncated CBOR")
        if data[pos] == 0xFF:
            pos += 1
            break
        item, pos = _decode(data, pos, depth + 1)
        items.append(item)
    if major == 2:
        if not all(isinstance(i, bytes) for i in items):
            raise CBORError("indefinite CBOR byte string with a non-bytes chunk")
        return b"".join(items), pos
    if major == 3:
        if not all(isinstance(i, str) for i in items):
            raise CBORError("indefinite CBOR text string with a non-text chunk")
        return "".join(items), pos
    if major == 4:
        return items, pos
    if len(items) % 2:
        raise CBORError("odd CBOR map")
    return {_map_key(k): v for k, v in zip(items[::2], items[1::2], strict=True)}, pos


def _map_key(key: Any) -> Any:
    """Map keys become dict keys: an array or map as a key is malformed input, not a crash."""
    if isinstance(key, list | dict):
        raise CBORError("CBOR map key must be a string, number, bytes or simple value")
    return key
