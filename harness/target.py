"""The embedded target: one process holding the listener, the edge, its upstream and the clock."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import boto3
import botocore.config

from harness import botocore_loader
from harness.admin import AdminAPI
from harness.app import HarnessApp
from harness.awsnames import AwsNameListener
from harness.changes import ChangeFeed
from harness.clock import VirtualClock
from harness.edge import apigateway
from harness.edge.app import Edge
from harness.edge.awslambda.event_sources import MappingStore
from harness.edge.awslambda.models import CodeStore, FunctionRegistry
from harness.edge.awslambda.pollers import Pollers
from harness.edge.awslambda.role_invoke import RoleInvoker
from harness.edge.awslambda.schedules import ScheduleRunner
from harness.edge.cloudformation.custom_responses import ResponseUrls
from harness.edge.execute_api import ExecuteApiAuthorizer
from harness.edge.upstream import (
    DEFAULT_MOTO_ACCOUNT,
    DEFAULT_REGION,
    InProcessMoto,
    RemoteEndpoint,
    Upstream,
)
from harness.faults import admin as fault_admin
from harness.faults.models import FaultConfig
from harness.gateway import Gateway
from harness.http import HttpRequest, HttpResponse, json_response
from harness.runtime import FunctionConfig, Runtime, SessionCredentials
from harness.runtime.failures import FunctionFailure
from harness.runtime.names import certificate_names
from harness.runtime.sdk_requests import SdkRequests
from harness.server import HarnessHTTPServer

log = logging.getLogger("harness.target")

GatewayKind = Literal["harness", "native"]
"""Who serves API traffic: the harness's data plane, or the external endpoint's own execute-api."""
GATEWAY_KINDS: tuple[GatewayKind, ...] = ("harness", "native")


class GatewayOptionError(ValueError):
    """`--gateway native` without an external endpoint: there is no other gateway to send traffic to."""


@dataclass
class TargetOptions:
    port: int = 4566
    region: str = DEFAULT_REGION
    upstream_url: str | None = None
    work_dir: Path = Path(".harness")
    frozen_clock: bool = False
    account: str = DEFAULT_MOTO_ACCOUNT
    # Lambda environments alive at once, all functions together (each is a Python process of
    # about 60 MB); past it the least recently used idle one is evicted, as on a busy host.
    max_environments: int = 24
    faults: FaultConfig | None = None  # latency and errors to inject from the start (harness/faults/)
    gateway: GatewayKind = "harness"  # "native": API URLs point at the upstream's own execute-api


def gateway_problem(gateway: GatewayKind, upstream_url: str | None) -> str | None:
    """Why this gateway choice cannot work, or None."""
    if gateway == "native" and not upstream_url:
        return ("--gateway native needs an external endpoint (--target endpoint URL): in-process moto has no "
                "gateway of its own")
    return None


class EmbeddedTarget:
    """Everything `saas-harness up` serves, startable in-process for tests."""

    def __init__(self, options: TargetOptions | None = None) -> None:
        self.options = opts = options or TargetOptions()
        botocore_loader.share()  # one read of each botocore model for the whole process
        problem = gateway_problem(opts.gateway, opts.upstream_url)
        if problem:
            raise GatewayOptionError(problem)
        self.work_dir = Path(opts.work_dir).expanduser().resolve()  # absolute whatever the cwd
        self.run_id = uuid.uuid4().hex  # tells this run's state.json from an earlier one's
        self.clock = VirtualClock()
        if opts.frozen_clock:
            self.clock.freeze()
        self.changes = ChangeFeed()
        self.upstream: Upstream = (RemoteEndpoint(opts.upstream_url, opts.region)
                                   if opts.upstream_url else InProcessMoto(opts.region, opts.account))
        self.edge = Edge(self.upstream, self.clock, self.changes)
        self._install_services()
        self.admin = AdminAPI(self.clock, {}, self.reset)
        self.admin.add_metrics("edge", lambda: dict(self.edge.stats))
        fault_admin.install(self.admin, self.edge.faults)
        if opts.faults is not None:
            self.edge.faults.replace(opts.faults)
        self.admin.add_signer(self.pool_keys.sign, self.pool_keys.has)
        self.app = HarnessApp(self.edge, self.admin)
        self.server: HarnessHTTPServer | None = None
        self.response_urls: ResponseUrls | None = None
        self.aws_names: AwsNameListener | None = None
        self.runtime: Runtime | None = None
        self.pollers: Pollers | None = None
        self.event_sources: MappingStore | None = None
        self.schedules: ScheduleRunner | None = None
        self.gateway: Gateway | None = None

    def _install_services(self) -> None:
        from harness.edge import cognito, dynamodb_policies
        from harness.edge.cognito.verify import UserPoolTokens
        from harness.edge.service_arns import upstream_secret_lookup
        from harness.edge.sts import responses as sts_responses

        sts_responses.install(self.edge)
        self.pool_keys = cognito.install(self.edge).ctx.keys
        self.user_pool_tokens = UserPoolTokens(self.pool_keys)
        dynamodb_policies.install(self.edge)
        self.edge.gate.service_arns.secret_arn = upstream_secret_lookup(
            lambda: self.upstream.client("secretsmanager"))
        self.functions = FunctionRegistry(self.upstream, self.changes, CodeStore())

    def _start_runtime(self) -> None:
        """Lambda environments reach AWS through this listener, so they start once it is bound."""
        from harness.edge.awslambda import responses as lambda_responses

        self.runtime = Runtime(
            endpoint_url=self.endpoint, region=self.options.region, account=self.upstream.account,
            credentials=self._role_credentials, clock=self.clock,
            work_dir=self.work_dir / "lambda",
            max_environments=self.options.max_environments)
        self.runtime.faults = self.edge.faults  # one plan for API calls and function invocations
        assert self.server is not None  # bound first: start() makes the listener, then the runtime
        self.runtime.sdk = SdkRequests(self.server.call_app, self.edge.faults)
        lambda_responses.install(self.edge, self.functions, self.runtime)
        from harness.edge.codedeploy import responses as codedeploy_responses

        self.deployments = codedeploy_responses.install(self.edge, self.functions, self.runtime)
        self.functions.router.before_route.append(self.deployments.advance)
        from harness.edge.awslambda import event_sources

        self.event_sources = event_sources.install(self.edge, self.functions, self.clock)
        self.pollers = Pollers(self.event_sources, self.functions, self.runtime,
                               self.upstream.client, self.clock, self.options.region)
        self.event_sources.on_create = self.pollers.start_positions
        self.schedules = ScheduleRunner(
            self.upstream.client, self.functions, self.runtime,
            RoleInvoker(self.endpoint, self.options.region, self.upstream.account, self.edge.book,
                        self.clock, service="scheduler.amazonaws.com"),
            self.clock, self.changes, self.options.region, self.upstream.account)
        self.pollers.hooks.append(self.schedules.tick)
        self.pollers.start()
        self.invoker = lambda_responses.GatewayInvoker(self.edge, self.functions, self.runtime,
                                                       endpoint_url=self.endpoint)
        self.admin.add_metrics("lambda", self.runtime.metrics)
        self.admin.add_route("POST", "/_harness/lambda/flush", self._flush_environments)
        self.gateway = Gateway(
            apigateway_client_factory=lambda: self.upstream.client("apigateway"),
            invoke=self.invoker, iam=ExecuteApiAuthorizer(self.edge), clock=self.clock,
            changes=self.changes, region=self.options.region, account=self.upstream.account,
            user_pool_tokens=self.user_pool_tokens)
        apigateway.install(self.edge, self.gateway)
        self.app.gateway = self.gateway
        from harness.edge.cloudformation.custom_responses import ADMIN_PREFIX
        from harness.edge.cloudformation.setup import install_cloudformation

        self.cloudformation = install_cloudformation(self.edge, self.endpoint, self.work_dir)
        self.response_urls = ResponseUrls(self.work_dir, certificate_names(self.options.region))
        self.response_urls.start()
        urls = self.response_urls
        self.aws_names = AwsNameListener(self.app, self.options.region, self.port, urls.ca_file,
                                         urls.bundle, urls.certificate, urls.key).start()
        self.runtime.aws_names = self.aws_names.names
        self.admin.add_prefix_route(ADMIN_PREFIX, self.response_urls.admin)
        self.admin.add_metrics("gateway", self.gateway.metrics)

    def _flush_environments(self, _req: HttpRequest) -> HttpResponse:
        """Drop every Lambda environment, so the next invocations start cold (fault scenarios)."""
        if self.runtime is not None:
            self.runtime.flush()
        return json_response(200, {"flushed": True})

    def _role_credentials(self, config: FunctionConfig) -> SessionCredentials:
        """A real AssumeRole through the edge, signed as the Lambda service principal."""
        svc = self.edge.book.service_credentials("lambda.amazonaws.com", self.upstream.account)
        sts = boto3.session.Session().client(
            "sts", region_name=self.options.region, endpoint_url=self.endpoint,
            aws_access_key_id=svc.access_key, aws_secret_access_key=svc.secret,
            config=botocore.config.Config(retries={"max_attempts": 1}))
        creds = sts.assume_role(RoleArn=config.role_arn,
                                RoleSessionName=config.name[:64])["Credentials"]
        return SessionCredentials(creds["AccessKeyId"], creds["SecretAccessKey"],
                                  creds["SessionToken"], creds["Expiration"].timestamp())

    @property
    def port(self) -> int:
        return self.server.port if self.server else self.options.port

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """Where execute-api URLs start: this listener, or the upstream's own gateway (`--gateway native`)."""
        if self.options.gateway == "native" and isinstance(self.upstream, RemoteEndpoint):
            return self.upstream.url
        return self.endpoint

    def start(self) -> EmbeddedTarget:
        self.server = HarnessHTTPServer(self.app, "127.0.0.1", self.options.port)
        self.admin.info.update(self.describe())
        self._start_runtime()
        self.admin.info.update(self.describe())
        self.server.serve_in_thread()
        return self

    def describe(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "region": self.options.region,
            "account": self.upstream.account,
            "upstream": self.upstream.endpoint_label,
            "gateway": self.options.gateway,
            "api_base": self.api_base,
            "run_id": self.run_id,
            "work_dir": str(self.work_dir),
            **({"ca_file": str(self.aws_names.names.ca_file),
                "ca_bundle": str(self.aws_names.names.bundle),
                "aws_names_endpoint": self.aws_names.endpoint} if self.aws_names else {}),
        }

    def failed_functions(self) -> list[FunctionFailure]:
        """Each function's latest failed invocation, for a step's error report."""
        return self.runtime.failures() if self.runtime is not None else []

    def reset(self) -> None:
        if self.runtime is not None:
            self.runtime.flush()
        self.functions.reset()
        if self.event_sources is not None and self.pollers is not None:
            self.event_sources.reset()
            self.pollers.reset()
        if self.schedules is not None:
            self.schedules.reset()
        self.functions.code.reset()
        if self.gateway is not None:
            self.gateway.reset()
        self.edge.reset()
        self.clock.reset()
        if self.options.frozen_clock:
            self.clock.freeze()

    def stop(self) -> None:
        if self.aws_names is not None:
            self.aws_names.stop()
            self.aws_names = None
        if self.pollers is not None:
            self.pollers.stop()
            self.pollers = None
        if self.response_urls is not None:
            self.response_urls.stop()
            self.response_urls = None
        if self.runtime is not None:
            self.runtime.shutdown()
            self.runtime = None
        if self.server is not None:
            self.server.stop()
            self.server = None

    def __enter__(self) -> EmbeddedTarget:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
