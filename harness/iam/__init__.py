"""Pure IAM policy evaluation: parse and validate policies, decide requests like AWS does."""

from harness.iam.errors import MalformedPolicyDocument
from harness.iam.evaluate import evaluate
from harness.iam.model import (
    Caller,
    ContextValue,
    Decision,
    Outcome,
    PolicyKind,
    RequestContext,
    access_denied_message,
)
from harness.iam.policy import Policy, Statement, parse_policy, policy_size_error
from harness.iam.principals import principal_matches

__all__ = [
    "Caller",
    "ContextValue",
    "Decision",
    "MalformedPolicyDocument",
    "Outcome",
    "Policy",
    "PolicyKind",
    "RequestContext",
    "Statement",
    "access_denied_message",
    "evaluate",
    "parse_policy",
    "policy_size_error",
    "principal_matches",
]
