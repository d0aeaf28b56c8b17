"""Modules AWS adds to functions whose code is inline (ZipFile): read as source, never imported here."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).parent


def cfnresponse_source() -> str:
    """The `cfnresponse` module inline Python functions can import, as on AWS."""
    return (_HERE / "cfnresponse.py").read_text(encoding="utf-8")
