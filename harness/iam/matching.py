"""Action, resource and ARN glob matching, compiled to regexes once and memoised."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from harness.iam.model import Lookup
from harness.iam.variables import Template, Token, parse_template, resource_part_start

_CACHE_LIMIT = 4096


def glob_regex(text: str) -> str:
    """Regex source for an IAM glob: * is any run of characters, ? exactly one."""
    return re.escape(text).replace(r"\*", ".*").replace(r"\?", ".")


def tokens_regex(tokens: Iterable[Token]) -> str:
    """Regex source where only policy-written text carries wildcards."""
    return "".join(glob_regex(text) if wild else re.escape(text) for wild, text in tokens)


@lru_cache(maxsize=8192)
def compile_tokens(tokens: tuple[Token, ...], ignore_case: bool = False) -> re.Pattern[str]:
    """Compiled matcher for resolved variable patterns; memoised across requests."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(tokens_regex(tokens), flags)


def compile_globs(patterns: Iterable[str], ignore_case: bool = False) -> re.Pattern[str] | None:
    """One alternation for many globs so a list costs a single regex call."""
    sources = sorted({glob_regex(p) for p in patterns})
    if not sources:
        return None
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("|".join(f"(?:{s})" for s in sources), flags)


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


class ActionMatcher:
    """Case-insensitive action globs; answers are memoised per lower-cased action."""

    __slots__ = ("_all", "_cache", "_exact", "_regex", "patterns")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        lowered = [p.lower() for p in self.patterns]
        self._all = "*" in lowered
        self._exact = frozenset(p for p in lowered if not _has_wildcard(p))
        self._regex = compile_globs(p for p in lowered if _has_wildcard(p))
        self._cache: dict[str, bool] = {}

    def __call__(self, action_lower: str) -> bool:
        """True when any pattern matches; pass the action already lower-cased."""
        if self._all:
            return True
        hit = self._cache.get(action_lower)
        if hit is None:
            regex = self._regex
            hit = action_lower in self._exact or (
                regex is not None and regex.fullmatch(action_lower) is not None
            )
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[action_lower] = hit
        return hit


class ResourceMatcher:
    """Case-sensitive whole-ARN globs, with policy variables resolved per request."""

    __slots__ = ("_all", "_cache", "_dynamic", "_exact", "_regex", "patterns")

    def __init__(self, patterns: Iterable[str], variables: bool) -> None:
        self.patterns = tuple(patterns)
        static: list[str] = []
        dynamic: list[Template] = []
        for pattern in self.patterns:
            # Only the resource part of an ARN (after the fifth colon) takes variables.
            start = resource_part_start(pattern) if pattern.startswith("arn:") else 0
            template = parse_template(pattern, start) if variables else None
            if template is None:
                static.append(pattern)
            else:
                dynamic.append(template)
        self._all = "*" in static
        self._exact = frozenset(p for p in static if not _has_wildcard(p))
        self._regex = compile_globs(p for p in static if _has_wildcard(p))
        self._dynamic = tuple(dynamic)
        self._cache: dict[str, bool] = {}

    def __call__(self, resource: str, lookup: Lookup) -> bool:
        """True when any pattern matches the resource ARN."""
        if self._all:
            return True
        hit = self._cache.get(resource)
        if hit is None:
            regex = self._regex
            hit = resource in self._exact or (regex is not None and regex.fullmatch(resource) is not None)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[resource] = hit
        if hit:
            return True
        for template in self._dynamic:
            tokens = template.resolve(lookup)
            if tokens is not None and compile_tokens(tokens).fullmatch(resource) is not None:
                return True
        return False


ArnPattern = tuple[re.Pattern[str], ...]


def arn_pattern(tokens: Iterable[Token]) -> ArnPattern:
    """Per-segment regexes: ArnLike checks the six colon-separated parts one by one.

    A pattern with fewer than six parts is kept whole (one regex over the full value).
    """
    parts: list[list[Token]] = [[]]
    for wild, text in tokens:
        pieces = text.split(":")
        for i, piece in enumerate(pieces):
            if i and len(parts) < 6:
                parts.append([])
            elif i:
                parts[-1].append((False, ":"))
            if piece:
                parts[-1].append((wild, piece))
    return tuple(re.compile(tokens_regex(p), re.DOTALL) for p in parts)


@lru_cache(maxsize=8192)
def arn_pattern_cached(tokens: tuple[Token, ...]) -> ArnPattern:
    """Memoised arn_pattern for patterns built from resolved variables."""
    return arn_pattern(tokens)


def arn_matches(pattern: ArnPattern, value: str) -> bool:
    """Segment-wise match: a * never crosses a colon except inside the resource part."""
    if len(pattern) < 6:
        return len(pattern) == 1 and pattern[0].fullmatch(value) is not None
    parts = value.split(":", 5)
    if len(parts) != 6:
        return False
    return all(rx.fullmatch(part) is not None for rx, part in zip(pattern, parts, strict=True))
