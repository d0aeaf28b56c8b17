"""Where authorised requests go: moto in-process (default) or an external AWS-compatible endpoint."""

from __future__ import annotations

import io
import os
import threading
import traceback
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import boto3
import botocore.config
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

from harness.edge import moto_direct, moto_serialize, moto_startup
from harness.http import HttpRequest, HttpResponse

ROOT_KEY = "test"
ROOT_SECRET = "test"
DEFAULT_REGION = "us-east-1"
DEFAULT_MOTO_ACCOUNT = "123456789012"

# Headers that describe the caller's own signature; the upstream gets the root's instead.
_CALLER_AUTH_HEADERS = {"authorization", "x-amz-security-token", "x-amz-date", "host",
                        "content-length", "connection", "expect", "transfer-encoding"}

# moto's out-of-band headers: a caller's x-moto-account-id would switch the account behind the
# gate's back, and moto answers ForgotPassword with the confirmation code in
# x-moto-forgot-password-confirmation-code, which AWS only ever sends to the user's inbox.
_MOTO_CONTROL = "x-moto-"

_BOTO_CONFIG = botocore.config.Config(
    retries={"max_attempts": 1, "mode": "standard"},
    connect_timeout=5,
    read_timeout=120,
    max_pool_connections=32,
)

_STREAMS_TARGET = "DynamoDBStreams_20120810."


def signing_host(service: str, region: str) -> str:
    """The AWS hostname a service call would go to; moto routes by it."""
    if service in ("iam", "sts") and region == DEFAULT_REGION:
        return f"{service}.amazonaws.com"
    return f"{service}.{region}.amazonaws.com"


class Upstream(Protocol):
    """The resource store behind the edge; every call reaching it acts as the account root."""

    account: str
    region: str
    endpoint_label: str

    def forward(self, req: HttpRequest, service: str, region: str) -> HttpResponse: ...

    def client(self, service: str, region: str | None = None) -> Any: ...

    def reset(self) -> None: ...


class _ClientCache:
    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], make: Any) -> Any:
        with self._lock:
            c = self._clients.get(key)
            if c is None:
                c = make()
                self._clients[key] = c
            return c


# moto's backends are process-wide and not thread-safe: every in-process upstream shares one lock.
_MOTO_LOCK = threading.RLock()


class InProcessMoto:
    """moto's backends in this process, one account per instance, serialised behind one lock."""

    endpoint_label = "moto (in-process)"
    # moto raising on a request is a reaction to its input, so the edge answers 4xx for it.
    crashes_are_client_errors = True

    def __init__(self, region: str = DEFAULT_REGION, account: str = DEFAULT_MOTO_ACCOUNT) -> None:
        # AWS-managed policies (AWSLambdaBasicExecutionRole, ...) exist in every real account.
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.region = region
        self.account = account
        self.lock = _MOTO_LOCK
        self._dispatcher = DomainDispatcherApplication(create_backend_app)
        self._apps: dict[str, Any] = {}
        self._direct: dict[str, moto_direct.Handler | None] = {}
        # Call DynamoDB's moto handler without its Flask app around it (edge/moto_direct.py).
        self.direct_dispatch = True
        moto_direct.memoize_method_names()
        moto_serialize.memoize_possible_keys()
        moto_startup.defer_bundled_cognito_key()
        moto_startup.share_moto_loader()
        self._clients = _ClientCache()

    def _app_for(self, host: str, environ: dict[str, Any]) -> Any:
        app = self._apps.get(host)
        if app is None:
            backend = self._dispatcher.get_backend_for_host(host)
            app = self._dispatcher.create_app(backend) if backend else None
            if app is None:
                app = self._dispatcher.get_application(environ)
            self._apps[host] = app
        return app

    def _direct_for(self, host: str) -> moto_direct.Handler | None:
        if host not in self._direct:
            backend = self._dispatcher.get_backend_for_host(host)
            self._direct[host] = moto_direct.root_handler(backend) if isinstance(backend, str) else None
        return self._direct[host]

    def forward(self, req: HttpRequest, service: str, region: str) -> HttpResponse:
        host = signing_host(service, region)
        if req.headers.get("x-amz-target", "").startswith(_STREAMS_TARGET):
            host = f"streams.dynamodb.{region}.amazonaws.com"  # DynamoDB Streams signs as dynamodb
        environ: dict[str, Any] = {
            "REQUEST_METHOD": req.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": _wsgi_path(req.path),
            "RAW_URI": req.target,
            "REQUEST_URI": req.target,
            "QUERY_STRING": req.query,
            "SERVER_NAME": host,
            "SERVER_PORT": "443",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https",
            "wsgi.input": io.BytesIO(req.body),
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(req.body)),
            "HTTP_HOST": host,
            "HTTP_X_MOTO_ACCOUNT_ID": self.account,
        }
        for name, value in req.headers.items():
            if name in _CALLER_AUTH_HEADERS or name.startswith(_MOTO_CONTROL):
                continue
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
                continue
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        if "authorization" in req.headers:
            environ["HTTP_AUTHORIZATION"] = (
                f"AWS4-HMAC-SHA256 Credential={ROOT_KEY}/20260101/{region}/{service}/aws4_request, "
                "SignedHeaders=host, Signature=0"
            )
        status_holder: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            status_holder[:] = [status, headers]
            return lambda data: None

        try:
            with self.lock:
                direct = self._direct_for(host) if self.direct_dispatch else None
                if direct is not None and moto_direct.routable(environ):
                    chunks = moto_direct.call(direct, environ, start_response)
                else:
                    chunks = self._app_for(host, environ)(environ, start_response)
                try:
                    body = b"".join(chunks)
                finally:
                    close = getattr(chunks, "close", None)
                    if close:
                        close()
        except Exception as exc:
            # moto raises (NotImplementedError, KeyError, ...) on input AWS would refuse; the edge
            # turns every upstream 5xx into a 4xx in the service's shape, so never let it escape.
            return _upstream_failure(exc)
        if len(status_holder) != 2:
            return _upstream_failure(RuntimeError("the upstream app never started a response"))
        status, headers = status_holder
        if _is_router_page(int(status.split(" ", 1)[0]), headers, body):
            return _no_route(req)
        out_headers = [
            (k, v) for k, v in headers
            if k.lower() not in ("content-length", "connection", "access-control-allow-origin",
                                 "server", "date", "transfer-encoding")
            and not k.lower().startswith(_MOTO_CONTROL)
        ]
        return HttpResponse(int(status.split(" ", 1)[0]), out_headers, body)

    def client(self, service: str, region: str | None = None) -> Any:
        region = region or self.region

        def make() -> Any:
            c = boto3.session.Session().client(
                service,
                region_name=region,
                endpoint_url="https://upstream.harness.invalid",
                aws_access_key_id=ROOT_KEY,
                aws_secret_access_key=ROOT_SECRET,
                config=_BOTO_CONFIG,
            )
            signing = c.meta.service_model.signing_name
            c.meta.events.register("before-send", self._make_sender(signing, region))
            return c

        return self._clients.get((service, region), make)

    def _make_sender(self, signing: str, region: str) -> Any:
        def send(request: Any, **_: Any) -> AWSResponse:
            parts = urlsplit(request.url)
            headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v)
                       for k, v in request.headers.items()}
            body = request.body or b""
            if hasattr(body, "read"):
                body = body.read()
            if isinstance(body, str):
                body = body.encode()
            req = HttpRequest(request.method, parts.path or "/", parts.query, headers, body)
            resp = self.forward(req, signing, region)
            raw = _RawBody(resp.body)
            return AWSResponse(request.url, resp.status, dict(resp.headers), raw)

        return send

    def reset(self) -> None:
        """Forget this account's resources only, so other in-process targets keep theirs."""
        from moto.core.base_backend import BackendDict

        with self.lock:
            for backend in list(BackendDict._instances):  # type: ignore[misc]
                if self.account in backend:
                    backend[self.account].reset()
                    del backend[self.account]


class UpstreamUnavailable(ConnectionError):
    """The external endpoint could not be reached; the edge answers 503 in the service's shape."""


class RemoteEndpoint:
    """An external endpoint (LocalStack, ministack, moto_server) reached over HTTP as its root."""

    def __init__(self, url: str, region: str = DEFAULT_REGION) -> None:
        import urllib3

        self.url = url.rstrip("/")
        self.endpoint_label = self.url
        self.crashes_are_client_errors = False
        self.region = region
        parts = urlsplit(self.url)
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._pool = urllib3.PoolManager(maxsize=32, retries=False)
        self._clients = _ClientCache()
        self._creds = Credentials(ROOT_KEY, ROOT_SECRET)
        sts = self.client("sts")
        self.account = str(sts.get_caller_identity()["Account"])
        # moto_server answers a request it trips over with InternalFailure; like in-process moto
        # that is a reaction to the input. Other endpoints' 5xx are passed on as they are.
        self.crashes_are_client_errors = self._is_moto_server()

    def forward(self, req: HttpRequest, service: str, region: str) -> HttpResponse:
        headers = {k: v for k, v in req.headers.items()
                   if k not in _CALLER_AUTH_HEADERS and not k.startswith(_MOTO_CONTROL)}
        url = f"{self.url}{req.path}" + (f"?{req.query}" if req.query else "")
        if "authorization" in req.headers:
            aws_req = AWSRequest(method=req.method, url=url, data=req.body, headers=headers)
            SigV4Auth(self._creds, service, region).add_auth(aws_req)
            headers = dict(aws_req.headers.items())
        try:
            resp = self._pool.request(
                req.method, url, body=req.body or None, headers=headers,
                preload_content=True, redirect=False, timeout=120.0,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise UpstreamUnavailable(f"{self.url} did not answer: {exc}") from None
        if _is_router_page(resp.status, list(resp.headers.items()), resp.data):
            return _no_route(req)
        out = [(k, v) for k, v in resp.headers.items()
               if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                    "server", "date") and not k.lower().startswith(_MOTO_CONTROL)]
        return HttpResponse(resp.status, out, resp.data)

    def _is_moto_server(self) -> bool:
        try:
            r = self._pool.request("GET", self.url + "/moto-api/data.json", timeout=5.0)
        except urllib3.exceptions.HTTPError:
            return False
        return r.status == 200 and r.data.lstrip().startswith(b"{")

    def client(self, service: str, region: str | None = None) -> Any:
        region = region or self.region
        return self._clients.get(
            (service, region),
            lambda: boto3.session.Session().client(
                service, region_name=region, endpoint_url=self.url,
                aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
                config=_BOTO_CONFIG,
            ),
        )

    def reset(self) -> None:
        """External endpoints keep their own state; moto_server, ministack and LocalStack reset by hook."""
        for path in ("/moto-api/reset", "/_ministack/reset", "/_localstack/state/reset"):
            try:
                r = self._pool.request("POST", self.url + path, timeout=10.0)
                if r.status < 300:
                    return
            except Exception:
                continue


class _RawBody(io.BytesIO):
    """The file-like body botocore's response parser reads from."""

    def stream(self, amt: int = 65536, decode_content: bool = True) -> Any:
        while True:
            chunk = self.read(amt)
            if not chunk:
                return
            yield chunk


def _is_router_page(status: int, headers: list[tuple[str, str]], body: bytes) -> bool:
    """werkzeug's own HTML 400/404/405 page: moto's router refused the request, no AWS answer."""
    if status not in (400, 404, 405):
        return False
    ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
    return ctype.startswith("text/html") and body.lstrip()[:15].lower() == b"<!doctype html>"


def _no_route(req: HttpRequest) -> HttpResponse:
    """A 5xx the edge turns into a 4xx in the service's own shape (never moto's HTML page)."""
    return HttpResponse(500, [("Content-Type", "text/plain")],
                        f"upstream router has no route for {req.method} {req.path[:200]}".encode(
                            "utf-8", "replace"))


def _upstream_failure(exc: BaseException) -> HttpResponse:
    """A 5xx (501 for an action moto lacks) whose body says what the upstream raised."""
    status = 501 if isinstance(exc, NotImplementedError) else 500
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]
    return HttpResponse(status, [("Content-Type", "text/plain")],
                        f"upstream raised {detail}".encode("utf-8", "replace"))


def _wsgi_path(path: str) -> str:
    from urllib.parse import unquote

    return unquote(path, encoding="latin-1") if "%" in path else path


__all__ = ["DEFAULT_REGION", "ROOT_KEY", "ROOT_SECRET", "InProcessMoto", "RemoteEndpoint",
           "Upstream", "quote", "signing_host"]
