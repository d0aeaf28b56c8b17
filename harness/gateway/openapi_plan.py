"""What an OpenAPI import produces: the plan of control-plane calls and the problems found,
and the document read from JSON or YAML.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-import-api-errors-warnings.html
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml


class ImportFailure(ValueError):
    """The document cannot be imported; message lists every problem, as BadRequestException does."""


@dataclass
class MethodPlan:
    """One operation: PutMethod arguments (authorizer and validator by name), responses, integration."""

    path: str
    verb: str
    method: dict[str, Any]
    authorizer: str | None = None
    validator: str | None = None
    responses: list[dict[str, Any]] = field(default_factory=list)
    integration: dict[str, Any] | None = None
    integration_responses: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportPlan:
    """Everything the document declares, ready to apply, plus what the import found wrong."""

    api: dict[str, Any] = field(default_factory=dict)
    authorizers: dict[str, dict[str, Any]] = field(default_factory=dict)
    validators: dict[str, dict[str, Any]] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    methods: list[MethodPlan] = field(default_factory=list)
    gateway_responses: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def failure(self, fail_on_warnings: bool) -> str | None:
        """AWS's message for a refused import, or None when it may proceed."""
        parts = []
        if self.errors:
            parts.append("Errors found during import:\n\t" + "\n\t".join(self.errors))
        if fail_on_warnings and self.warnings:
            parts.append("Warnings found during import:\n\t" + "\n\t".join(self.warnings))
        return "\n".join(parts) or None


def load_document(body: bytes | str | dict[str, Any]) -> dict[str, Any]:
    """JSON or YAML text (or an already parsed template Body) as a mapping."""
    if isinstance(body, dict):
        return body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not text.strip():
        raise ImportFailure("Invalid OpenAPI input: the request body is empty.")
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ImportFailure(f"Invalid OpenAPI input: not JSON or YAML ({exc}).") from None
    if not isinstance(doc, dict):
        raise ImportFailure("Invalid OpenAPI input: the document is not an object.")
    return doc
