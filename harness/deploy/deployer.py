"""The public deployer: create, update, describe and delete stacks on any AWS-compatible endpoint."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import botocore.config

from harness.deploy import sam
from harness.deploy.build import BuildCache, build_template
from harness.deploy.engine import Engine, delete_resources
from harness.deploy.graph import api_members, dependencies, topological_order
from harness.deploy.intrinsics import Resolver, stringify
from harness.deploy.loader import LDict, Template, load_template
from harness.deploy.model import DeployError, PhysicalResource, StackResult
from harness.deploy.params import pseudo_parameters, resolve_parameters
from harness.deploy.resources import PROVISIONERS
from harness.deploy.resources.base import Context
from harness.deploy.store import StackStore
from harness.deploy.validate import check_template

log = logging.getLogger("harness.deploy")
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_SECTIONS = {"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
             "Mappings", "Conditions", "Transform", "Globals", "Resources", "Outputs"}
_RESOURCE_KEYS = {"Type", "Properties", "DependsOn", "Condition", "DeletionPolicy",
                  "UpdateReplacePolicy", "Metadata", "UpdatePolicy", "CreationPolicy"}


class Deployer:
    """Deploys SAM-subset templates through boto3, remembering stacks in a StackStore."""

    def __init__(self, *, endpoint_url: str, region: str = "us-east-1",
                 credentials: tuple[str, str] = ("test", "test"), store: StackStore,
                 account: str | None = None, build_cache: BuildCache | None = None) -> None:
        self.endpoint_url = endpoint_url
        self.build_cache = build_cache or BuildCache()
        self.region = region
        self.store = store
        self._session = boto3.session.Session(aws_access_key_id=credentials[0],
                                              aws_secret_access_key=credentials[1],
                                              region_name=region)
        self._config = botocore.config.Config(retries={"max_attempts": 2, "mode": "standard"},
                                              connect_timeout=5, read_timeout=120,
                                              max_pool_connections=16)
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._stack_locks: dict[str, threading.Lock] = {}
        self.account = account or str(self.client("sts").get_caller_identity()["Account"])

    def client(self, service: str) -> Any:
        """A cached boto3 client for the endpoint (clients are thread-safe)."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(
                    service, endpoint_url=self.endpoint_url, config=self._config)
            return self._clients[service]

    def _lock(self, stack_name: str) -> threading.Lock:
        with self._clients_lock:
            return self._stack_locks.setdefault(stack_name, threading.Lock())

    def _context(self, stack_name: str, stack_id: str, template_dir: Path) -> Context:
        return Context(client_factory=self.client, region=self.region, account=self.account,
                       stack_name=stack_name, stack_id=stack_id, template_dir=template_dir)

    # -- public API ------------------------------------------------------------------------------

    def deploy(self, template_path: Path, stack_name: str,
               parameters: dict[str, str] | None = None) -> StackResult:
        """Create the stack, or update it to this template and these parameters."""
        if not _STACK_NAME.match(stack_name):
            raise DeployError(f"invalid stack name {stack_name!r}: letters, digits and '-', "
                              "starting with a letter, at most 128 characters")
        with self._lock(stack_name):
            started = time.monotonic()
            result = self._deploy(Path(template_path).resolve(), stack_name, parameters)
            log.info("deployed stack %s (%s) in %.2fs", stack_name, result.status,
                     time.monotonic() - started)
            return result

    def describe(self, stack_name: str) -> StackResult:
        record = self.store.load(stack_name)
        if record is None:
            raise DeployError(f"stack {stack_name} does not exist")
        return StackResult.from_record(record)

    def list_stacks(self) -> list[str]:
        return self.store.names()

    def delete(self, stack_name: str) -> None:
        """Delete every resource of the stack in reverse order; already-missing ones are fine."""
        with self._lock(stack_name):
            record = self.store.load(stack_name)
            if record is None:
                return
            ctx = self._context(stack_name, record["stack_id"], Path("."))
            resources = {k: PhysicalResource.from_json(v) for k, v in record["resources"].items()}
            order = [k for k in record.get("order", []) if k in resources]
            order += [k for k in resources if k not in order]
            doomed = [resources[k] for k in reversed(order)]
            orphans = [PhysicalResource.from_json(o) for o in record.get("orphans", [])]
            failures = delete_resources(ctx, doomed) + delete_resources(ctx, orphans)
            if failures:
                record.update(status="DELETE_FAILED", resources={
                    r.logical_id: r.to_json() for r, _ in failures if r.logical_id in resources},
                    orphans=[r.to_json() for r, _ in failures if r.logical_id not in resources])
                self.store.save(stack_name, record)
                detail = "; ".join(f"{r.logical_id} ({r.type}): {msg}" for r, msg in failures)
                raise DeployError(f"stack {stack_name}: delete failed for {detail}")
            self.store.delete(stack_name)

    # -- deploy ----------------------------------------------------------------------------------

    def _deploy(self, path: Path, stack_name: str,
                parameters: dict[str, str] | None) -> StackResult:
        tpl = load_template(path)
        _validate_sections(tpl)
        record = self.store.load(stack_name)
        updating = record is not None
        stack_id = record["stack_id"] if record else (
            f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{stack_name}/{uuid.uuid4()}")
        params, shown = resolve_parameters(tpl, parameters)
        pseudo = pseudo_parameters(self.region, self.account, stack_name, stack_id)
        resolver = Resolver(tpl, params, pseudo)
        ctx = self._context(stack_name, stack_id, tpl.directory)
        build_template(tpl, resolver, self.build_cache, ctx.notes)
        resources = _resources(tpl, resolver, ctx.notes)
        check_template(tpl, resources)
        where = {k: tpl.at(tpl.resource_line(k)) for k in resources}
        active = {k for k, r in resources.items()
                  if "Condition" not in r or resolver.condition(str(r["Condition"]),
                                                                tpl.resource_line(k))}
        live = {k: resources[k] for k in resources if k in active}
        graph = dependencies(live, [*params, *pseudo, *resources], where)
        order = topological_order(graph, where)
        ctx.members = api_members(live)
        old = {k: PhysicalResource.from_json(v) for k, v in (record or {}).get("resources",
                                                                             {}).items()}
        old_order = list((record or {}).get("order", []))
        prior_orphans = [PhysicalResource.from_json(o) for o in (record or {}).get("orphans", [])]
        base = {"name": stack_name, "stack_id": stack_id, "template": str(path),
                "parameters": shown, "notes": ctx.notes}

        def save_progress(engine: Engine, status: str) -> None:
            merged = dict(old)
            merged.update(engine.current)
            done = [k for k in old_order if k in merged and k not in engine.current]
            orphans = [*prior_orphans, *engine.replaced]
            self.store.save(stack_name, {
                **base, "status": status, "order": [*done, *engine.order],
                "resources": {k: v.to_json() for k, v in merged.items()},
                "orphans": [o.to_json() for o in orphans],
                "outputs": (record or {}).get("outputs", {}),
                "exports": (record or {}).get("exports", {})})

        in_progress = "UPDATE_IN_PROGRESS" if updating else "CREATE_IN_PROGRESS"
        engine = Engine(ctx, tpl, resolver, resources, active, old,
                        lambda e: save_progress(e, in_progress))
        try:
            engine.run(order)
            outputs, exports = _outputs(tpl, engine.resolver)
        except Exception:
            save_progress(engine, "UPDATE_FAILED" if updating else "CREATE_FAILED")
            raise
        removed = [old[k] for k in reversed(old_order) if k in old and k not in engine.current]
        removed += [v for k, v in old.items() if k not in engine.current and k not in old_order]
        failures = delete_resources(ctx, removed)
        failures += delete_resources(ctx, list(reversed(engine.replaced)), replaced=True)
        failures += delete_resources(ctx, prior_orphans)
        for res, message in failures:
            ctx.note(f"cleanup of {res.logical_id} ({res.type} {res.physical_id}) failed: "
                     f"{message}")
        status = "UPDATE_COMPLETE" if updating else "CREATE_COMPLETE"
        final = {**base, "status": status, "order": engine.order,
                 "resources": {k: v.to_json() for k, v in engine.current.items()},
                 "orphans": [r.to_json() for r, _ in failures], "outputs": outputs,
                 "exports": exports}
        self.store.save(stack_name, final)
        return StackResult.from_record(final)


def _validate_sections(tpl: Template) -> None:
    for key in tpl.body:
        if key not in _SECTIONS:
            raise DeployError(f"{tpl.at(tpl.body.key_lines.get(key, 0))}: unknown template "
                              f"section {key}")
    if not tpl.section("Resources"):
        raise DeployError(f"{tpl.path.name}: the template has no Resources")


def _resources(tpl: Template, resolver: Resolver, notes: list[str]) -> dict[str, LDict]:
    """The template's resources as plain CloudFormation, validated against the supported types."""
    declared = tpl.section("Resources")
    for logical, res in declared.items():
        line = declared.key_lines.get(logical, 0)
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            raise DeployError(f"{tpl.at(line)}: resource {logical} needs a Type")
        extra = sorted(set(res) - _RESOURCE_KEYS)
        if extra:
            raise DeployError(f"{tpl.at(line)}: resource {logical} has unknown attribute "
                              f"{extra[0]}")
    if "Rules" in tpl.body:
        notes.append("Rules are not evaluated by the harness deployer")
    if sam.uses_transform(tpl):
        resources = sam.expand(tpl, resolver, notes)
    else:
        if "Globals" in tpl.body:
            raise DeployError(f"{tpl.at(tpl.body.key_lines.get('Globals', 0))}: Globals needs "
                              f"Transform: {sam.SAM_TRANSFORM}")
        resources = dict(declared)
    for logical, res in resources.items():
        rtype = str(res["Type"])
        if rtype not in PROVISIONERS:
            hint = (f" (add Transform: {sam.SAM_TRANSFORM})"
                    if rtype.startswith("AWS::Serverless::") else "")
            raise DeployError(f"{tpl.at(tpl.resource_line(logical))}: unsupported resource type "
                              f"{rtype} (resource {logical}){hint}")
    return resources


def _outputs(tpl: Template, resolver: Resolver) -> tuple[dict[str, str], dict[str, str]]:
    outputs: dict[str, str] = {}
    exports: dict[str, str] = {}
    section = tpl.section("Outputs")
    for name, spec in section.items():
        line = section.key_lines.get(name, 0)
        if not isinstance(spec, dict) or "Value" not in spec:
            raise DeployError(f"{tpl.at(line)}: output {name} needs a Value")
        if "Condition" in spec and not resolver.condition(str(spec["Condition"]), line):
            continue
        value = resolver.resolve(spec["Value"], line)
        text = stringify(value, f"output {name}", tpl.at(line))
        outputs[name] = text
        export = spec.get("Export")
        if isinstance(export, dict) and "Name" in export:
            exports[stringify(resolver.resolve(export["Name"], line), "Export.Name",
                              tpl.at(line))] = text
    return outputs, exports
