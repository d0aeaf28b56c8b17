"""Where a stack's template comes from (body, S3 URL, local path) and what it requires of the caller."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from harness.deploy.intrinsics import NO_VALUE

MAX_BODY = 51_200  # TemplateBody limit; TemplateURL allows 1 MB (CloudFormation quotas)
MAX_URL_BODY = 1_000_000
_S3_HOSTS = (re.compile(r"^s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?$"),
             re.compile(r"^(?P<bucket>[a-z0-9.-]+)\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?$"))
S3Reader = Callable[[str, str], bytes]
IAM_TYPES = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User",
             "AWS::IAM::Group", "AWS::IAM::AccessKey", "AWS::IAM::InstanceProfile",
             "AWS::IAM::UserToGroupAddition")
_NAME_PROPERTIES = ("RoleName", "ManagedPolicyName", "UserName", "GroupName",
                    "InstanceProfileName")


class TemplateError(Exception):
    """A template that cannot be read: CloudFormation's ValidationError."""


def s3_location(url: str) -> tuple[str, str] | None:
    """(bucket, key) of an s3:// URL or an S3 https URL (path or virtual-host style)."""
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        return parsed.netloc, unquote(parsed.path.lstrip("/"))
    if parsed.scheme not in ("http", "https"):
        return None
    host = parsed.hostname or ""
    path = unquote(parsed.path.lstrip("/"))
    if _S3_HOSTS[0].match(host):
        bucket, _, key = path.partition("/")
        return bucket, key
    found = _S3_HOSTS[1].match(host)
    if found:
        return found.group("bucket"), path
    return None


def local_path(url: str, base: Path | None) -> Path | None:
    """A local template: file://, an absolute path, or (nested stacks) a path relative to the parent."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" and url:
        path = Path(url)
        if path.is_absolute():
            return path
        return base / path if base is not None else None
    return None


class TemplateSource:
    """Turns TemplateBody / TemplateURL into a template file the engine can load."""

    def __init__(self, directory: Path, read_s3: S3Reader) -> None:
        self.directory = directory
        self.read_s3 = read_s3

    def materialise(self, body: str | None, url: str | None, stack: str,
                    base: Path | None = None) -> Path:
        """The template as a file; a local path is used in place, so its relative CodeUri work."""
        if (body is None) == (url is None):
            raise TemplateError("Specify exactly one of TemplateBody or TemplateURL.")
        if body is not None:
            if len(body.encode()) > MAX_BODY:
                raise TemplateError(f"1 validation error detected: Value at 'templateBody' failed "
                                    f"to satisfy constraint: Member must have length less than or "
                                    f"equal to {MAX_BODY}")
            return self._write(body.encode(), stack)
        assert url is not None
        path = local_path(url, base)
        if path is not None:
            if not path.is_file():
                raise TemplateError(f"TemplateURL must reference a valid S3 object or local file: "
                                    f"{url}")
            return path
        location = s3_location(url)
        if location is None:
            raise TemplateError("TemplateURL must be a supported URL.")
        try:
            data = self.read_s3(*location)
        except Exception as exc:
            raise TemplateError(f"S3 error: Access Denied or missing object {url} ({exc})") from exc
        if len(data) > MAX_URL_BODY:
            raise TemplateError("Template may not exceed 1000000 bytes in size.")
        return self._write(data, stack)

    def _write(self, data: bytes, stack: str) -> Path:
        folder = self.directory / stack / uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".json" if data.lstrip().startswith(b"{") else ".yaml"
        path = folder / f"template{suffix}"
        path.write_bytes(data)
        return path


def required_capabilities(resources: Mapping[str, Mapping[str, Any]],
                          transformed: bool) -> tuple[list[str], str]:
    """The capabilities CreateStack must be given for these resources, and why."""
    needed: list[str] = []
    reason = ""
    for res in resources.values():
        if res.get("Type") not in IAM_TYPES:
            continue
        props = res.get("Properties") or {}
        named = any(props.get(k) not in (None, "", NO_VALUE) for k in _NAME_PROPERTIES)
        cap = "CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM"
        if cap not in needed:
            needed.append(cap)
            reason = f"The following resource(s) require capabilities: [{res.get('Type')}]"
    if "CAPABILITY_NAMED_IAM" in needed:
        needed = ["CAPABILITY_NAMED_IAM"]
    if transformed:
        needed.append("CAPABILITY_AUTO_EXPAND")
    return needed, reason
