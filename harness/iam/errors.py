"""The one error the evaluator raises, shaped like IAM's MalformedPolicyDocument."""

from __future__ import annotations

SYNTAX = "Syntax errors in policy."
LEGACY = "The policy failed legacy parsing"


class MalformedPolicyDocument(ValueError):
    """A policy AWS would refuse; str() is the AWS message, .detail says exactly why."""

    code = "MalformedPolicyDocument"

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or message

    def __reduce__(self) -> tuple[type[MalformedPolicyDocument], tuple[str, str]]:
        return (type(self), (self.message, self.detail))


def syntax(detail: str) -> MalformedPolicyDocument:
    """AWS answers most structural problems with the same terse message; keep the detail."""
    return MalformedPolicyDocument(SYNTAX, detail)
