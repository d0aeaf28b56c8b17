"""moto's handler for a JSON-protocol service called as its Flask view would call it, minus Flask.

moto's server mode wraps every backend in a Flask app whose one view for DynamoDB (`POST /`) runs
`convert_to_flask_response(DynamoHandler.dispatch)`. Routing, the request context, after-request
hooks and CORS cost more CPU per call than DynamoDB's own work in moto. For a request that Flask
would route to that single view (path "/", a routed method, no Origin header for flask_cors to
answer), `call` does what the view does and answers with the same `flask.Response`, so status,
headers and body are byte for byte what the Flask app gives (tests/edge/test_moto_direct.py
compares the two). Every other request still goes through the Flask app.

moto's `BaseResponse.call_action` also lists its response class's methods with
`inspect.getmembers` on every call, to check the action is implemented; `memoize_method_names`
makes that one listing per class (classes do not gain methods while the harness runs).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError
from flask import Response
from moto.core.request import Request
from werkzeug.exceptions import HTTPException

# Backends whose whole Flask app is one catch-all "/" view (checked against moto at first use).
DIRECT_BACKENDS = frozenset({"dynamodb"})
# The methods moto's Flask app routes (moto.moto_server.werkzeug_app.HTTP_METHODS).
ROUTED_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"})

Handler = Callable[[Any, str, dict[str, str]], Any]
StartResponse = Callable[..., Any]


class _ServerRequest(Request):
    """As moto's Flask app builds its requests (BackendRequest): received by a server, so moto
    leaves the Date header to it."""

    from_wsgi_server = True


def memoize_method_names() -> None:
    """Replace moto's per-call method listing with one computed once per response class."""
    import moto.core.responses as responses

    current = getattr(responses, "method_names_from_class")  # noqa: B009 (not re-exported)
    if getattr(current, "harness_memoized", False):
        return
    listing = functools.cache(lambda clazz: tuple(current(clazz)))

    def method_names_from_class(clazz: object) -> list[str]:
        return list(listing(clazz))

    method_names_from_class.harness_memoized = True  # type: ignore[attr-defined]
    setattr(responses, "method_names_from_class", method_names_from_class)  # noqa: B010


def root_handler(backend_name: str) -> Handler | None:
    """The backend's handler when its Flask app is exactly one "/" view, else None (use Flask)."""
    if backend_name not in DIRECT_BACKENDS:
        return None
    import moto.backends as backends
    from moto.core.base_backend import BackendDict
    from moto.core.models import DEFAULT_ACCOUNT_ID

    backend_dict = backends.get_backend(backend_name)  # type: ignore[call-overload]
    if isinstance(backend_dict, BackendDict):
        regions = backend_dict[DEFAULT_ACCOUNT_ID]
        backend = regions["us-east-1"] if "us-east-1" in regions else regions["aws"]
    else:
        backend = backend_dict["global"]
    paths = backend.flask_paths
    if list(paths) != ["/"]:
        return None
    handler: Handler = paths["/"]
    return handler


def routable(environ: dict[str, Any]) -> bool:
    """Whether moto's Flask app would hand this request to its "/" view with nothing else added."""
    return (environ.get("PATH_INFO") == "/" and environ.get("REQUEST_METHOD") in ROUTED_METHODS
            and "HTTP_ORIGIN" not in environ)


def call(handler: Handler, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """convert_to_flask_response.__call__ and Flask's HTTPException handling, as a WSGI call."""
    from moto.moto_api import recorder

    request = _ServerRequest(environ)
    try:
        try:
            recorder._record_request(request)
            result = handler(request, request.raw_url, dict(request.headers))
        except ClientError as exc:
            result = 400, {}, exc.response["Error"]["Message"]
        if len(result) == 3:
            status, headers, content = result
        else:
            status, headers, content = 200, {}, result
        response = Response(response=content, status=status, headers=headers)
    except HTTPException as exc:
        response = exc.get_response(environ)  # type: ignore[assignment]
    body: Iterable[bytes] = response(environ, start_response)
    return body
