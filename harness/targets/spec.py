"""`--target embedded|endpoint URL|state FILE`, parsed once for every command that takes it."""

from __future__ import annotations

import argparse
import enum
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class TargetKind(enum.Enum):
    """What a command runs against."""

    EMBEDDED = "embedded"  # the harness's own in-process target (moto as the store)
    ENDPOINT = "endpoint"  # the harness front door in front of an external AWS-compatible endpoint
    STATE = "state"  # a stack deployed elsewhere, described by a state file; public APIs only


class TargetSpecError(ValueError):
    """A --target value the harness cannot use; the message says what was expected."""


@dataclass(frozen=True)
class TargetSpec:
    """A parsed --target: its kind and, for endpoint and state, the URL or the file."""

    kind: TargetKind = TargetKind.EMBEDDED
    url: str | None = None
    state_file: Path | None = None

    @property
    def is_loopback(self) -> bool:
        """Whether the URL (or, for a state file, nothing yet known) is on this machine's loopback."""
        return self.url is None or is_loopback_url(self.url)

    def describe(self) -> str:
        if self.kind is TargetKind.ENDPOINT:
            return f"endpoint {self.url}"
        if self.kind is TargetKind.STATE:
            return f"state {self.state_file}"
        return "embedded"


EMBEDDED = TargetSpec()
USAGE = "--target takes `embedded`, `endpoint URL` or `state FILE`"


def is_loopback_url(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def check_url(url: str) -> str:
    """An http(s) URL with a host, without a trailing slash; TargetSpecError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetSpecError(f"endpoint {url!r} is not an http:// or https:// URL with a host")
    if parts.path not in ("", "/") or parts.query:
        raise TargetSpecError(f"endpoint {url!r} must be a bare scheme://host:port, without a path")
    return url.rstrip("/")


def parse_target(words: list[str] | tuple[str, ...] | None) -> TargetSpec:
    """['embedded'] | ['endpoint', URL] | ['state', FILE] -> TargetSpec (None: embedded)."""
    if not words:
        return EMBEDDED
    kind_word, *rest = words
    try:
        kind = TargetKind(kind_word)
    except ValueError:
        raise TargetSpecError(f"{USAGE}, not {' '.join(words)!r}") from None
    if kind is TargetKind.EMBEDDED:
        if rest:
            raise TargetSpecError(f"--target embedded takes no value, not {' '.join(rest)!r}")
        return EMBEDDED
    if len(rest) != 1:
        what = "URL" if kind is TargetKind.ENDPOINT else "FILE"
        raise TargetSpecError(f"--target {kind.value} takes exactly one {what}")
    if kind is TargetKind.ENDPOINT:
        return TargetSpec(kind, url=check_url(rest[0]))
    path = Path(rest[0]).expanduser()
    if not path.is_file():
        raise TargetSpecError(f"--target state {rest[0]}: no such file (write one, or generate it with "
                              "`saas-harness describe --stack NAME --out FILE`)")
    return TargetSpec(kind, state_file=path.resolve())


def add_target_option(p: argparse.ArgumentParser, *, upstream_alias: bool = False) -> None:
    """--target (and, where the command had it before, --upstream URL as its endpoint alias)."""
    p.add_argument("--target", nargs="+", metavar="KIND", default=None,
                   help="embedded (default) | endpoint URL (the harness front door in front of an "
                        "AWS-compatible endpoint) | state FILE (a stack deployed elsewhere, public APIs "
                        "only)")
    if upstream_alias:
        p.add_argument("--upstream", metavar="URL", default=None,
                       help="the same as --target endpoint URL")


def target_from_args(args: argparse.Namespace) -> TargetSpec:
    """The command's TargetSpec from --target and its --upstream alias; TargetSpecError on a conflict."""
    upstream = getattr(args, "upstream", None)
    spec = parse_target(getattr(args, "target", None))
    if upstream:
        if args.target and spec != TargetSpec(TargetKind.ENDPOINT, url=check_url(upstream)):
            raise TargetSpecError("--upstream URL is an alias of --target endpoint URL: give one of them")
        return TargetSpec(TargetKind.ENDPOINT, url=check_url(upstream))
    return spec
