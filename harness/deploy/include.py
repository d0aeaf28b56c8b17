"""AWS::Include with a local Location: the snippet replaces its Fn::Transform before anything
else reads the template, as CloudFormation processes it (so a RestApi Body or a SAM
DefinitionBody may come from a file).

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/create-reusable-transform-function-snippets-and-add-to-your-template-with-aws-include-transform.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.deploy.loader import Template, line_of, load_template
from harness.deploy.model import DeployError

_KEY = "Fn::Transform"


def _snippet(transform: Any, directory: Path, where: str) -> Any | None:
    """The included document, or None when this Fn::Transform is not AWS::Include."""
    if not isinstance(transform, dict) or transform.get("Name") != "AWS::Include":
        return None
    location = str((transform.get("Parameters") or {}).get("Location") or "")
    if not location or location.startswith("s3://"):
        raise DeployError(f"{where}: AWS::Include needs a local Location (got {location!r})")
    path = (directory / location).resolve()
    if not path.is_file():
        raise DeployError(f"{where}: AWS::Include Location {location} is not a file")
    body = load_template(path).body
    return expand(body, path.parent, where)


def expand(value: Any, directory: Path, where: str, problems: list[str] | None = None) -> Any:
    """value with each AWS::Include replaced (a lone key) or merged in (beside other keys).

    With `problems`, an unusable include is recorded there (and left out) instead of raised, so a
    template's other problems are reported in the same pass.
    """
    if isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = expand(item, directory, where, problems)
        return value
    if not isinstance(value, dict):
        return value
    if _KEY in value:
        here = f"{where}:{line_of(value)}" if line_of(value) else where
        try:
            snippet = _snippet(value[_KEY], directory, here)
        except DeployError as exc:
            if problems is None:
                raise
            problems.append(f"{exc} (Fn::Transform)")
            return ""
        if snippet is not None:
            if len(value) == 1:
                return snippet
            del value[_KEY]
            if isinstance(snippet, dict):
                for key, item in snippet.items():
                    value.setdefault(key, item)
    for key in list(value):
        value[key] = expand(value[key], directory, where, problems)
    return value


def expand_includes(tpl: Template) -> list[str]:
    """Expand every AWS::Include of the template in place; the unusable ones, one line each."""
    problems: list[str] = []
    expand(tpl.body, tpl.directory, tpl.path.name, problems)
    return problems
