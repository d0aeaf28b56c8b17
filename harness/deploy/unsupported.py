"""One pass over a template before anything is created: every unsupported item, with file:line and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.deploy import transform
from harness.deploy.graph import depends_on, references
from harness.deploy.loader import LDict, Template
from harness.deploy.model import DeployError
from harness.deploy.resources import PROVISIONERS
from harness.deploy.resources.inert import INERT_TYPES
from harness.deploy.validate import template_problems

RESOURCE_KEYS = frozenset({"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy",
                           "UpdateReplacePolicy", "Metadata", "UpdatePolicy", "CreationPolicy"})


def _attributes(tpl: Template, skip_serverless: bool) -> list[str]:
    """Resources without a Type or with attributes CloudFormation does not know."""
    problems: list[str] = []
    declared = tpl.section("Resources")
    for logical, res in declared.items():
        where = tpl.at(declared.key_lines.get(logical, 0))
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            problems.append(f"{where}: resource {logical} needs a Type")
            continue
        if skip_serverless and str(res["Type"]).startswith("AWS::Serverless::"):
            continue  # the transform reads what it knows and drops the rest
        for extra in sorted(set(res) - RESOURCE_KEYS):
            problems.append(f"{where}: resource {logical} has unknown attribute {extra}")
    return problems


def _structure(tpl: Template) -> list[str]:
    """Structural problems and transforms the harness cannot run."""
    problems = _attributes(tpl, skip_serverless=transform.uses_sam(tpl))
    line = tpl.body.key_lines.get("Transform", 0)
    for name in transform.transform_names(tpl):
        if name != transform.SAM_TRANSFORM:
            problems.append(f"{tpl.at(line)}: unsupported Transform {name} (the harness runs "
                            f"only {transform.SAM_TRANSFORM})")
    if "Globals" in tpl.body and not transform.uses_sam(tpl):
        problems.append(f"{tpl.at(tpl.body.key_lines.get('Globals', 0))}: Globals needs "
                        f"Transform: {transform.SAM_TRANSFORM}")
    return problems


def why_unsupported(rtype: str) -> str:
    """Why the harness cannot create a type, in the words a user needs to act on it."""
    if rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource":
        return "custom resources are not invoked by the harness deployer"
    if rtype in ("AWS::CloudFormation::Stack", "AWS::Serverless::Application"):
        return "nested stacks are not deployed by the harness deployer"
    if rtype.startswith("AWS::Serverless::"):
        return f"a SAM type needs Transform: {transform.SAM_TRANSFORM}"
    return "the harness deployer has no provisioner for this type"


def _types(tpl: Template, resources: Mapping[str, Any], skip_serverless: bool) -> list[str]:
    problems = []
    for logical, res in resources.items():
        rtype = str(res.get("Type")) if isinstance(res, dict) else ""
        if not rtype or rtype in PROVISIONERS:
            continue
        serverless = rtype.startswith("AWS::Serverless::")
        if serverless and skip_serverless:
            continue
        problems.append(f"{tpl.at(tpl.resource_line(logical))}: unsupported resource type "
                        f"{rtype} (resource {logical}): {why_unsupported(rtype)}")
    return problems


def _references(tpl: Template, resources: Mapping[str, Any], known: set[str]) -> list[str]:
    """Refs, GetAtts, Subs and DependsOn naming nothing the template declares."""
    problems = []
    names = set(resources) | known
    for logical, res in resources.items():
        if not isinstance(res, dict):
            continue
        where = tpl.at(tpl.resource_line(logical))
        for name in sorted(references(res.get("Properties") or {})):
            if name not in names and not name.startswith("AWS::"):
                problems.append(f"{where}: resource {logical} refers to unknown resource or "
                                f"parameter {name}")
        for target in depends_on(res):
            if target not in names:
                problems.append(f"{where}: resource {logical} DependsOn unknown resource {target}")
    return problems


def inert_notes(resources: Mapping[str, Any]) -> list[str]:
    """A note for each resource the harness accepts without emulating it."""
    notes = []
    for logical, res in resources.items():
        rtype = str(res.get("Type")) if isinstance(res, dict) else ""
        if rtype in INERT_TYPES:
            notes.append(f"{logical} ({rtype}) is accepted as inert: {INERT_TYPES[rtype]}")
    return notes


def report(tpl: Template, problems: Iterable[str]) -> DeployError:
    """All problems in one error: one line alone as it is, several under a count."""
    unique = list(dict.fromkeys(problems))
    if len(unique) == 1:
        return DeployError(unique[0])
    return DeployError(f"{tpl.path.name}: {len(unique)} unsupported or invalid items; nothing was "
                       "created:\n" + "\n".join(f"  {p}" for p in unique))


def _plain_checks(tpl: Template) -> list[str]:
    """The checks that need no transform: types of plain resources, intrinsics everywhere."""
    declared = tpl.section("Resources")
    shaped = {k: v for k, v in declared.items() if isinstance(v, LDict)}
    return (_types(tpl, declared, skip_serverless=transform.uses_sam(tpl))
            + template_problems(tpl, shaped))


def prepare(tpl: Template, parameters: dict[str, Any], region: str,
            found: list[str] | None = None) -> tuple[Template, dict[str, LDict], list[str]]:
    """The template as plain CloudFormation with its resources and notes, or every problem at once
    (with those `found` before, such as unusable AWS::Include files)."""
    problems = _structure(tpl)
    if transform.uses_sam(tpl) and not problems:
        try:
            tpl = transform.translate(tpl, parameters, region)
        except DeployError as exc:
            problems += [p.strip() for p in str(exc).splitlines()[1:]] or [str(exc)]
    problems = list(found or []) + problems
    if problems:
        raise report(tpl, problems + _plain_checks(tpl))
    resources: dict[str, LDict] = dict(tpl.section("Resources"))
    problems += _types(tpl, resources, skip_serverless=False)
    problems += template_problems(tpl, resources)
    problems += _references(tpl, resources, set(parameters))
    if problems:
        raise report(tpl, problems)
    notes = inert_notes(resources)
    if "Rules" in tpl.body:
        notes.append("Rules are not evaluated by the harness deployer")
    return tpl, resources, notes
