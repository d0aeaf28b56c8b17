"""API Gateway mapping templates: VTL through airspeed with $input, $util, $context, $stageVariables.

Variables and functions: https://docs.aws.amazon.com/apigateway/latest/developerguide/
api-gateway-mapping-template-reference.html; overrides ($context.responseOverride.status and
.header): apigateway-override-request-response-parameters.html.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed

_CACHE_LIMIT = 512
_PATH_TOKEN = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[['\"]([^'\"]*)['\"]\]|\[\*\]|\.\*")
_JS_ESCAPES = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "\b": "\\b", "\f": "\\f", "/": "\\/"}


class TemplateFailure(ValueError):
    """A template that does not parse or fails while rendering (API Gateway answers 500)."""


def json_path(doc: Any, path: str) -> Any:
    """A JSONPath subset ($, .name, [n], ['name'], [*]) as API Gateway's $input.path uses it."""
    text = (path or "$").strip()
    if not text.startswith("$"):
        text = "$." + text
    rest, current, fanned = text[1:], [doc], False
    pos = 0
    while pos < len(rest):
        m = _PATH_TOKEN.match(rest, pos)
        if m is None:
            raise TemplateFailure(f"unsupported JSONPath {path!r}")
        pos = m.end()
        name = m.group(1) if m.group(1) is not None else m.group(3)
        nxt: list[Any] = []
        for item in current:
            if name is not None:
                if isinstance(item, dict) and name in item:
                    nxt.append(item[name])
            elif m.group(2) is not None:
                idx = int(m.group(2))
                if isinstance(item, list) and idx < len(item):
                    nxt.append(item[idx])
            else:
                fanned = True
                nxt.extend(item if isinstance(item, list) else
                           list(item.values()) if isinstance(item, dict) else [])
        current = nxt
    if fanned:
        return current
    return current[0] if current else None


def parse_body(body: str) -> Any:
    """The payload as JSON (an empty body is an empty object), or the raw string."""
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except ValueError:
        return body


class InputVariable:
    """$input: the payload (parsed once, so $input.path objects and $input.json agree) and the
    method request parameters."""

    def __init__(self, body: str, params: Mapping[str, Mapping[str, str]]) -> None:
        self.body = body
        self._params = params
        self._parsed: Any = None
        self._ready = False

    def _doc(self) -> Any:
        if not self._ready:
            self._parsed, self._ready = parse_body(self.body), True
        return self._parsed

    def path(self, path: str) -> Any:
        return json_path(self._doc(), path)

    def json(self, path: str) -> str:
        return json.dumps(json_path(self._doc(), path))

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return {k: dict(v) for k, v in self._params.items()}
        for scope in ("path", "querystring", "header"):
            found = self._params.get(scope, {}).get(name)
            if found is not None:
                return found
        if name.lower() in {k.lower() for k in self._params.get("header", {})}:
            return next(v for k, v in self._params["header"].items() if k.lower() == name.lower())
        return None


class UtilVariable:
    """$util: escapeJavaScript, parseJson, urlEncode, urlDecode, base64Encode, base64Decode."""

    @staticmethod
    def escapeJavaScript(text: Any) -> str:
        return "".join(_JS_ESCAPES.get(c, c if ord(c) >= 0x20 else f"\\u{ord(c):04X}")
                       for c in str(text))

    @staticmethod
    def parseJson(text: Any) -> Any:
        try:
            return json.loads(str(text))
        except ValueError as exc:
            raise TemplateFailure(f"$util.parseJson: {exc}") from None

    @staticmethod
    def urlEncode(text: Any) -> str:
        return quote_plus(str(text), safe="*").replace("~", "%7E")

    @staticmethod
    def urlDecode(text: Any) -> str:
        return unquote_plus(str(text))

    @staticmethod
    def base64Encode(text: Any) -> str:
        raw = text if isinstance(text, bytes) else str(text).encode()
        return base64.b64encode(raw).decode()

    @staticmethod
    def base64Decode(text: Any) -> str:
        return base64.b64decode(str(text)).decode("utf-8", "replace")


UTIL = UtilVariable()
_templates: dict[str, Any] = {}
_lock = threading.Lock()


def _compiled(text: str) -> Any:
    found = _templates.get(text)
    if found is not None:
        return found
    template = airspeed.Template(text)
    try:
        template.ensure_compiled()
    except airspeed.TemplateSyntaxError as exc:
        raise TemplateFailure(str(exc)) from None
    with _lock:
        if len(_templates) >= _CACHE_LIMIT:
            _templates.clear()
        _templates[text] = template
    return template


def render(text: str, inp: InputVariable, context: dict[str, Any],
           stage_variables: Mapping[str, str]) -> str:
    """Render one mapping template; context is mutated in place (responseOverride)."""
    template = _compiled(text)
    namespace = {"input": inp, "util": UTIL, "context": context,
                 "stageVariables": dict(stage_variables)}
    try:
        return str(template.merge(namespace))
    except (airspeed.TemplateError, TemplateFailure) as exc:
        raise TemplateFailure(str(exc)) from None
