"""Layers AWS publishes from its own accounts (Lambda Insights, Powertools, ADOT): empty here."""

from __future__ import annotations

import re
from typing import Any

# Publisher accounts of AWS-managed public layers, from each layer's documentation page.
PUBLISHERS = {
    "580247275435": "CloudWatch Lambda Insights extension",
    "017000801446": "Powertools for AWS Lambda (Python)",
    "094274105915": "Powertools for AWS Lambda (TypeScript)",
    "901920570463": "AWS Distro for OpenTelemetry",
    "177933569100": "AWS Parameters and Secrets Lambda Extension",
    "027255383542": "AWS AppConfig Lambda extension",
}
_LAYER_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):layer:([^:]+):\d+$")


def publisher(arn: Any) -> str | None:
    """What AWS-managed layer an ARN names, if it is one."""
    match = _LAYER_ARN.match(arn) if isinstance(arn, str) else None
    return PUBLISHERS.get(match.group(1)) if match else None


def split(layers: Any) -> tuple[list[Any], list[tuple[str, str]]]:
    """(layers to attach, AWS-managed ones accepted as empty layers with what they are)."""
    kept: list[Any] = []
    public: list[tuple[str, str]] = []
    for arn in layers or []:
        what = publisher(arn)
        if what is None:
            kept.append(arn)
        else:
            public.append((str(arn), what))
    return kept, public
