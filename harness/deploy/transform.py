"""The SAM transform through aws-sam-translator, offline, as `sam package` + `sam deploy` would run it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import samtranslator

from harness.deploy import code
from harness.deploy.loader import LDict, LList, Template
from harness.deploy.model import DeployError
from harness.deploy.params import partition_for
from harness.deploy.resources.lambda_ import LOCAL_PATH

if TYPE_CHECKING:
    from samtranslator.model.exceptions import ExceptionWithMessage, InvalidDocumentException

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# `sam package` uploads each local CodeUri/ContentUri and writes its S3 location into the
# template; the harness writes this bucket instead and maps it back to the local folder after.
LOCAL_CODE_BUCKET = "harness-local-code"
_CODE_PROPERTIES = {"AWS::Serverless::Function": "CodeUri",
                    "AWS::Serverless::LayerVersion": "ContentUri"}
# Its warnings are about its own feature flags and unpublished metrics, nothing a user can act on.
logging.getLogger("samtranslator").setLevel(logging.ERROR)
_CACHE_MAX = 128
_cache: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()
# Translations kept on disk by content hash, so an unchanged template is translated (and the
# translator, half a second of imports, loaded) once per machine rather than once per `up`.
CACHE_ENV_VAR = "SAAS_HARNESS_TRANSFORM_CACHE"
_DISK_FORMAT = "1"  # bump when what translate_body returns changes shape


def transform_names(tpl: Template) -> list[str]:
    """The names in the template's Transform section (a string or a list)."""
    transform = tpl.body.get("Transform")
    if transform is None:
        return []
    return [str(t) for t in transform] if isinstance(transform, list) else [str(transform)]


def uses_sam(tpl: Template) -> bool:
    return SAM_TRANSFORM in transform_names(tpl)


def plain(value: Any) -> Any:
    """A loaded value without line marks (the translator deep-copies and compares plain dicts)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _digest(path: Path) -> str:
    """The content hash `sam package` would put in the S3 key (so versions change with the code)."""
    try:
        return hashlib.sha256(code.package(path)).hexdigest()[:32]
    except (OSError, FileNotFoundError):
        return "missing"


def _local_location(uri: str, directory: Path) -> dict[str, str]:
    path = Path(uri)
    digest = _digest(path if path.is_absolute() else directory / path)
    return {"Bucket": LOCAL_CODE_BUCKET, "Key": f"{digest}/{urllib.parse.quote(uri, safe='')}"}


def _package(body: dict[str, Any], directory: Path) -> None:
    """Local CodeUri/ContentUri (in resources and Globals) become package locations, in place."""
    holders: list[tuple[dict[str, Any], str]] = []
    glob = (body.get("Globals") or {}).get("Function") if isinstance(body.get("Globals"), dict) else None
    glob = glob if isinstance(glob, dict) else {}
    for res in (body.get("Resources") or {}).values():
        key = _CODE_PROPERTIES.get(str(res.get("Type"))) if isinstance(res, dict) else None
        if not key:
            continue
        props = res.setdefault("Properties", {})
        if isinstance(props, dict):
            if key == "CodeUri" and not ({"CodeUri", "InlineCode", "ImageUri"} & set(props)
                                         or "CodeUri" in glob):
                props["CodeUri"] = "."  # `sam build` and `sam package` default to the template's folder
            holders.append((props, key))
    if glob:
        holders.append((glob, "CodeUri"))
    for props, key in holders:
        uri = props.get(key)
        if isinstance(uri, str) and not uri.startswith("s3://"):
            props[key] = _local_location(uri, directory)


def _unpackage(value: Any) -> Any:
    """Code/Content pointing at the package bucket back to the local folder the runtime reads."""
    if isinstance(value, dict):
        if value.get("S3Bucket") == LOCAL_CODE_BUCKET and isinstance(value.get("S3Key"), str):
            return {LOCAL_PATH: urllib.parse.unquote(value["S3Key"].partition("/")[2])}
        return {k: _unpackage(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unpackage(v) for v in value]
    return value


def _managed_policies(partition: str) -> dict[str, str]:
    """AWS managed policy names → ARNs from the map the translator bundles: no IAM ListPolicies call."""
    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map

    return dict(get_bundled_managed_policy_map(partition) or {})


def _translate(body: dict[str, Any], parameters: dict[str, Any], region: str) -> dict[str, Any]:
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import (
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    partition = partition_for(region)
    values = {**parameters, "AWS::Region": region, "AWS::Partition": partition}
    # The translator keeps its region in class state and a metrics singleton: one at a time.
    with _lock:
        to_py27_compatible_template(body, values)
        translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
        out = translator.translate(body, parameter_values=values,
                                   get_managed_policy_map=lambda: _managed_policies(partition))
        result: dict[str, Any] = undo_mark_unicode_str_in_template(out)
        return result


def _messages(exc: InvalidDocumentException) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for cause in exc.causes:
        logical = getattr(cause, "_logical_id", None)
        if isinstance(logical, list):
            logical = logical[0] if logical else None
        out.append((str(logical) if logical else None, _message(cause)))
    return out


def _message(cause: ExceptionWithMessage) -> str:
    return str(cause.message)


def cache_root() -> Path:
    """$SAAS_HARNESS_TRANSFORM_CACHE, else $XDG_CACHE_HOME/saas-harness/transform, else
    ~/.cache/saas-harness/transform."""
    explicit = os.environ.get(CACHE_ENV_VAR)
    if explicit:
        return Path(explicit).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser().resolve() / "saas-harness" / "transform"


def _disk_load(key: str) -> dict[str, Any] | None:
    try:
        found = json.loads((cache_root() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # missing, unreadable or half-written by a crashed process: translate again
    return found if isinstance(found, dict) else None


def _disk_save(key: str, translated: dict[str, Any]) -> None:
    """Write atomically; a cache that cannot be written only costs the next `up` a translation."""
    root = cache_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{key}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(translated, handle)
        os.replace(tmp, root / f"{key}.json")
    except OSError:
        with contextlib.suppress(OSError, UnboundLocalError):
            Path(tmp).unlink()


def translate_body(tpl: Template, parameters: dict[str, Any], region: str) -> dict[str, Any]:
    """The plain CloudFormation the SAM transform makes of the template (cached by content: the
    template with its code folders' hashes, the parameters, the region and the translator's
    version; in memory, then on disk)."""
    body = plain(tpl.body)
    _package(body, tpl.directory)
    key = hashlib.sha256(json.dumps([_DISK_FORMAT, samtranslator.__version__, body, parameters,
                                     region], sort_keys=True, default=str).encode()).hexdigest()
    with _lock:
        cached = _cache.get(key)
    if cached is None:
        cached = _disk_load(key)
    if cached is None:
        from samtranslator.model.exceptions import InvalidDocumentException

        try:
            cached = _unpackage(_translate(body, parameters, region))
        except InvalidDocumentException as exc:
            raise DeployError(_report(tpl, _messages(exc))) from exc
        _disk_save(key, cached)
    with _lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = cached
    return json.loads(json.dumps(cached))  # type: ignore[no-any-return]


def _report(tpl: Template, problems: list[tuple[str | None, str]]) -> str:
    lines = [f"{tpl.at(tpl.resource_line(logical) if logical else 0)}: {message}"
             for logical, message in problems]
    head = f"{tpl.path.name}: the SAM transform failed ({len(lines)} problem" \
           f"{'s' if len(lines) != 1 else ''})"
    return "\n".join([head, *(f"  {line}" for line in lines)])


# -- line marks -----------------------------------------------------------------------------------

def relocate(new: Any, old: Any, line: int) -> Any:
    """`new` with the line marks of the matching nodes of `old` (else `line`), for file:line errors."""
    if isinstance(new, dict):
        base = old if isinstance(old, dict) else {}
        here = int(getattr(old, "line", 0) or 0) if isinstance(old, dict) else 0
        here = here or line
        key_lines = getattr(base, "key_lines", {})
        out = LDict(line=here)
        for key, value in new.items():
            child_line = key_lines.get(key, here)
            out[key] = relocate(value, base.get(key), child_line)
            out.key_lines[key] = child_line
        return out
    if isinstance(new, list):
        here = (int(getattr(old, "line", 0) or 0) if isinstance(old, list) else 0) or line
        items = old if isinstance(old, list) and len(old) == len(new) else [None] * len(new)
        return LList([relocate(v, o, here) for v, o in zip(new, items, strict=True)], line=here)
    return new


def origin_of(logical: str, declared: LDict, body: dict[str, Any]) -> int:
    """The source line of a generated resource: the SAM resource whose id prefixes its own."""
    if logical in declared.key_lines:
        return declared.key_lines[logical]
    best = ""
    for name in declared:
        if logical.startswith(name) and len(name) > len(best):
            best = name
    if best:
        return declared.key_lines.get(best, 0)
    if logical.startswith(("ServerlessRestApi", "ServerlessHttpApi")):
        for name, res in declared.items():
            events = ((res.get("Properties") or {}).get("Events") or {}) if isinstance(res, dict) else {}
            for event in events.values() if isinstance(events, dict) else []:
                if isinstance(event, dict) and event.get("Type") in ("Api", "HttpApi"):
                    return int(getattr(event, "line", 0) or declared.key_lines.get(name, 0))
    return 0


def translate(tpl: Template, parameters: dict[str, Any], region: str) -> Template:
    """The template as plain CloudFormation with line marks pointing back at the SAM source."""
    translated = translate_body(tpl, parameters, region)
    declared = tpl.section("Resources")
    resources = LDict(line=declared.line)
    extra: dict[str, int] = {}
    generated = translated.get("Resources") or {}
    lines = {logical: origin_of(logical, declared, tpl.body) for logical in generated}
    # The translator's output order is hash order; template order keeps creation order readable.
    for logical in sorted(generated, key=lambda k: (lines[k], k)):
        res, line = generated[logical], lines[logical]
        if logical not in declared.key_lines:
            extra[logical] = line
        resources[logical] = relocate(res, declared.get(logical), line)
        resources.key_lines[logical] = line
    body = LDict(line=tpl.body.line)
    for section, value in translated.items():
        old = tpl.body.get(section)
        body[section] = resources if section == "Resources" else (
            old if plain(old) == value else relocate(value, old, tpl.body.key_lines.get(section, 0)))
        body.key_lines[section] = tpl.body.key_lines.get(section, 0)
    return Template(path=tpl.path, body=body, extra_lines=extra)
