"""cfn-lint on a template, so templates meant for real CloudFormation are checked like AWS would."""

from __future__ import annotations

from pathlib import Path


def lint(template_path: Path, regions: list[str] | None = None) -> list[str]:
    """cfn-lint's findings as `file:line: RULE message` lines (empty when the template is clean)."""
    from cfnlint.api import ManualArgs, lint_file

    config = ManualArgs(regions=regions or ["us-east-1"])
    matches = lint_file(Path(template_path), config=config)
    return [f"{Path(m.filename or template_path).name}:{m.linenumber}: {m.rule.id} {m.message}"
            for m in matches]
