"""The public deployer: create, update, describe and delete stacks on any AWS-compatible endpoint."""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.config
from botocore.exceptions import BotoCoreError, ClientError

from harness import in_process
from harness.deploy import unsupported
from harness.deploy.build import BuildCache, build_template
from harness.deploy.engine import Engine, delete_resources
from harness.deploy.events import EventLog, StackStatus, iso_now
from harness.deploy.exports import ExportIndex, check_imports
from harness.deploy.functions import default_zones, take_language_extensions
from harness.deploy.graph import api_members, dependencies, topological_order
from harness.deploy.include import expand_includes
from harness.deploy.intrinsics import Resolver
from harness.deploy.loader import Template, load_template
from harness.deploy.model import DeployError, PhysicalResource, StackResult
from harness.deploy.outputs import Plan, body_text, output_details, parameter_strings, stack_outputs
from harness.deploy.params import pseudo_parameters, resolve_parameters
from harness.deploy.resources.base import Context
from harness.deploy.resources.custom import mask_no_echo
from harness.deploy.rollback import roll_back_create, roll_back_update
from harness.deploy.store import StackStore
from harness.deploy.teardown import delete_recorded

log = logging.getLogger("harness.deploy")
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
_SECTIONS = {"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
             "Mappings", "Conditions", "Transform", "Globals", "Resources", "Outputs"}
_BLOB_CACHE = 256  # code zips kept for rollbacks, most recent last


class Deployer:
    """Deploys SAM and CloudFormation templates through boto3, remembering stacks in a StackStore."""

    def __init__(self, *, endpoint_url: str, region: str = "us-east-1",
                 credentials: tuple[str, str] = ("test", "test"), store: StackStore,
                 account: str | None = None, session_token: str | None = None,
                 blobs: dict[str, bytes] | None = None,
                 build_cache: BuildCache | None = None,
                 transport: in_process.App | None = None) -> None:
        """`transport`: the harness app itself, when the deployer runs in the process that serves
        `endpoint_url` (client/in_process.py): same requests, no socket."""
        self.endpoint_url = endpoint_url
        self._transport = transport
        self.build_cache = build_cache or BuildCache()
        self.region = region
        self.store = store
        self._session = boto3.session.Session(aws_access_key_id=credentials[0],
                                              aws_secret_access_key=credentials[1],
                                              aws_session_token=session_token,
                                              region_name=region)
        self._config = botocore.config.Config(retries={"max_attempts": 2, "mode": "standard"},
                                              connect_timeout=5, read_timeout=120,
                                              max_pool_connections=16)
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self._stack_locks: dict[str, threading.Lock] = {}
        self._blobs: dict[str, bytes] = {} if blobs is None else blobs
        self.exports = ExportIndex(store)
        self.deleted: list[dict[str, Any]] = []  # DELETE_COMPLETE records, for ListStacks
        self.account = account or str(self.client("sts").get_caller_identity()["Account"])

    def client(self, service: str) -> Any:
        """A cached boto3 client for the endpoint (clients are thread-safe)."""
        with self._clients_lock:
            if service not in self._clients:
                made = self._session.client(service, endpoint_url=self.endpoint_url,
                                            config=self._config)
                if self._transport is not None:
                    in_process.attach(made, self._transport)
                self._clients[service] = made
            return self._clients[service]

    def _lock(self, stack_name: str) -> threading.Lock:
        with self._clients_lock:
            return self._stack_locks.setdefault(stack_name, threading.Lock())

    def _context(self, stack_name: str, stack_id: str, template_dir: Path) -> Context:
        return Context(client_factory=self.client, region=self.region, account=self.account,
                       stack_name=stack_name, stack_id=stack_id, template_dir=template_dir,
                       endpoint_url=self.endpoint_url)

    # -- public API ------------------------------------------------------------------------------

    def deploy(self, template_path: Path, stack_name: str,
               parameters: dict[str, str] | None = None,
               request_token: str | None = None, *, disable_rollback: bool = False,
               extra: dict[str, Any] | None = None) -> StackResult:
        """Create the stack, or update it to this template and these parameters.

        `extra` is kept in the stack record as it is (the API's tags, capabilities, role)."""
        if not _STACK_NAME.match(stack_name):
            raise DeployError(f"invalid stack name {stack_name!r}: letters, digits and '-', "
                              "starting with a letter, at most 128 characters")
        with self._lock(stack_name):
            started = time.monotonic()
            result = self._deploy(Path(template_path).resolve(), stack_name, parameters,
                                  request_token, disable_rollback, extra or {})
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
            gone = delete_recorded(ctx, self.store, self.exports, record)
            self.deleted.append(gone)
            del self.deleted[:-100]

    # -- deploy ----------------------------------------------------------------------------------

    def _zones(self, region: str) -> list[str]:
        """Fn::GetAZs: the zones the EC2 endpoint lists for this region (a, b, c if it lists none)."""
        if region != self.region:
            return default_zones(region)
        try:
            found = self.client("ec2").describe_availability_zones()["AvailabilityZones"]
        except (ClientError, BotoCoreError):
            return default_zones(region)
        return sorted(str(z["ZoneName"]) for z in found) or default_zones(region)

    def _deploy(self, path: Path, stack_name: str, parameters: dict[str, str] | None,
                request_token: str | None, disable_rollback: bool,
                extra: dict[str, Any]) -> StackResult:
        tpl = load_template(path)
        record = self.store.load(stack_name)
        if record is not None and record.get("status") in ("ROLLBACK_COMPLETE", "DELETE_COMPLETE"):
            self.store.delete(stack_name)  # nothing of it is left: deploy as a new stack
            record = None
        reviewed = record if record is not None and (
            record.get("status") == "REVIEW_IN_PROGRESS" or record.get("pending")) else None
        if reviewed is not None:  # created by a change set or the API: stack id, no resources
            record = None
        updating = record is not None
        stack_id = (record or reviewed or {}).get("stack_id") or (
            f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{stack_name}/{uuid.uuid4()}")
        events = EventLog(stack_name, stack_id, (record or reviewed or {}).get("events"),
                          request_token)
        ctx = self._context(stack_name, stack_id, tpl.directory)
        ctx.blobs.update(self._blobs)
        plan = self.plan(tpl, stack_name, stack_id, parameters, ctx)
        tpl = plan.template
        old = {k: PhysicalResource.from_json(v) for k, v in (record or {}).get("resources",
                                                                             {}).items()}
        old_order = list((record or {}).get("order", []))
        prior_orphans = [PhysicalResource.from_json(o) for o in (record or {}).get("orphans", [])]
        base = {**extra, "name": stack_name, "stack_id": stack_id, "template": str(path),
                "given_parameters": parameter_strings(plan.resolver.params),
                "disable_rollback": disable_rollback,
                "template_body": body_text(path), "parameters": plan.shown, "notes": ctx.notes,
                "description": str(tpl.body.get("Description", "")),
                "creation_time": (record or {}).get("creation_time") or iso_now()}
        if updating:
            base["last_updated_time"] = iso_now()

        def save_progress(engine: Engine, status: str, reason: str = "") -> None:
            merged = dict(old)
            merged.update(engine.current)
            done = [k for k in old_order if k in merged and k not in engine.current]
            orphans = [*prior_orphans, *engine.replaced]
            self.store.save(stack_name, {
                **(record or {}), **base, "status": status, "status_reason": reason,
                "order": [*done, *engine.order],
                "resources": {k: v.to_json() for k, v in merged.items()},
                "orphans": [o.to_json() for o in orphans], "events": events.items,
                "outputs": (record or {}).get("outputs", {}),
                "exports": (record or {}).get("exports", {})})

        in_progress: StackStatus = "UPDATE_IN_PROGRESS" if updating else "CREATE_IN_PROGRESS"
        events.stack(in_progress, "User Initiated")
        engine = Engine(ctx, tpl, plan.resolver, plan.resources, plan.active, old,
                        lambda e: save_progress(e, in_progress), events)
        try:
            engine.run(plan.order)
            outputs, exports, export_of = stack_outputs(tpl, engine.resolver)
            self.exports.check_update(stack_name, (record or {}).get("exports", {}), exports)
        except Exception as exc:
            reason = str(exc)
            if disable_rollback:
                failed: StackStatus = "UPDATE_FAILED" if updating else "CREATE_FAILED"
                events.stack(failed, reason)
                save_progress(engine, failed, reason)
            else:
                self._roll_back(engine, ctx, events, record, old, reason, save_progress)
            raise DeployError(reason) from exc
        self._remember(ctx.blobs)
        if updating:
            events.stack("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        removed = [old[k] for k in reversed(old_order) if k in old and k not in engine.current]
        removed += [v for k, v in old.items() if k not in engine.current and k not in old_order]
        failures = delete_resources(ctx, removed, events=events)
        failures += delete_resources(ctx, list(reversed(engine.replaced)), replaced=True,
                                     events=events)
        failures += delete_resources(ctx, prior_orphans)
        for res, message in failures:
            ctx.note(f"cleanup of {res.logical_id} ({res.type} {res.physical_id}) failed: "
                     f"{message}")
        status: StackStatus = "UPDATE_COMPLETE" if updating else "CREATE_COMPLETE"
        events.stack(status)
        outputs = mask_no_echo(outputs, list(engine.current.values()))
        final = {**base, "status": status, "status_reason": "", "order": engine.order,
                 "resources": {k: v.to_json() for k, v in engine.current.items()},
                 "orphans": [r.to_json() for r, _ in failures], "outputs": outputs,
                 "exports": exports, "output_details": output_details(tpl, outputs, export_of),
                 "imports": sorted(engine.resolver.imported), "events": events.items}
        self.store.save(stack_name, final)
        return StackResult.from_record(final)

    def _roll_back(self, engine: Engine, ctx: Context, events: EventLog,
                   record: dict[str, Any] | None, old: dict[str, PhysicalResource], reason: str,
                   save: Callable[[Engine, str, str], None]) -> None:
        """A failed create removes what it made; a failed update returns to the previous record."""
        if record is None:
            events.stack("ROLLBACK_IN_PROGRESS", reason)
            save(engine, "ROLLBACK_IN_PROGRESS", reason)
            left = roll_back_create(ctx, engine, events)
            status: StackStatus = "ROLLBACK_FAILED" if left else "ROLLBACK_COMPLETE"
            events.stack(status)
            save(engine, status, reason)
            stored = self.store.load(engine.ctx.stack_name) or {}
            stored.update(resources={r.logical_id: r.to_json() for r, _ in left},
                          order=[r.logical_id for r, _ in reversed(left)], orphans=[])
            self.store.save(engine.ctx.stack_name, stored)
            return
        events.stack("UPDATE_ROLLBACK_IN_PROGRESS", reason)
        save(engine, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
        left = roll_back_update(ctx, engine, old, events)
        status = "UPDATE_ROLLBACK_FAILED" if left else "UPDATE_ROLLBACK_COMPLETE"
        events.stack(status)
        self.store.save(engine.ctx.stack_name, {**record, "status": status,
                                                "status_reason": reason, "events": events.items})

    def _remember(self, blobs: dict[str, bytes]) -> None:
        """Code zips of the last deploys, so a rollback can put earlier code back."""
        with self._clients_lock:
            self._blobs.update(blobs)
            while len(self._blobs) > _BLOB_CACHE:
                self._blobs.pop(next(iter(self._blobs)))

    def plan(self, tpl: Template, stack_name: str, stack_id: str,
              parameters: dict[str, str] | None, ctx: Context, build: bool = True) -> Plan:
        """Everything checked before anything is created: sections, parameters, types, graph.

        With `build`, code folders are first built like `sam build` (harness/deploy/build/)."""
        included = expand_includes(tpl)
        extensions = take_language_extensions(tpl)
        _validate_sections(tpl)
        params, shown = resolve_parameters(tpl, parameters)
        pseudo = pseudo_parameters(self.region, self.account, stack_name, stack_id)
        if build:
            build_template(tpl, Resolver(tpl, params, pseudo, exports=self.exports.value,
                                         zones=self._zones, language_extensions=extensions),
                           self.build_cache, ctx.notes)
        tpl, resources, notes = unsupported.prepare(tpl, params, self.region, included)
        resolver = Resolver(tpl, params, pseudo, exports=self.exports.value, zones=self._zones,
                            language_extensions=extensions)
        ctx.notes.extend(notes)
        check_imports(tpl, resources, resolver)
        where = {k: tpl.at(tpl.resource_line(k)) for k in resources}
        active = {k for k, r in resources.items()
                  if "Condition" not in r or resolver.condition(str(r["Condition"]),
                                                                tpl.resource_line(k))}
        live = {k: resources[k] for k in resources if k in active}
        graph = dependencies(live, [*params, *pseudo, *resources], where)
        order = topological_order(graph, where)
        ctx.members = api_members(live)
        return Plan(resolver, resources, active, order, shown, tpl)

    def validate(self, template_path: Path, stack_name: str = "validation",
                 parameters: dict[str, str] | None = None) -> Plan:
        """The checks a deploy runs before creating anything, with no side effects."""
        tpl = load_template(Path(template_path).resolve())
        stack_id = f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{stack_name}/x"
        return self.plan(tpl, stack_name, stack_id, parameters,
                          self._context(stack_name, stack_id, tpl.directory), build=False)


def _validate_sections(tpl: Template) -> None:
    for key in tpl.body:
        if key not in _SECTIONS:
            raise DeployError(f"{tpl.at(tpl.body.key_lines.get(key, 0))}: unknown template "
                              f"section {key}")
    if not tpl.section("Resources"):
        raise DeployError(f"{tpl.path.name}: the template has no Resources")


