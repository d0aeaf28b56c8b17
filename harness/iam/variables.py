"""Policy variables (${...}): parsed once per policy, resolved against each request."""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.iam.model import Lookup, NormValue

_VAR_RE = re.compile(r"\$\{([^{}]*)\}")
_BODY_RE = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")
_ESCAPES = frozenset({"*", "?", "$"})

# A resolved token: (wild, text). wild=True for text written in the policy, where * and ?
# are wildcards; wild=False for substituted values and escapes, which match literally.
Token = tuple[bool, str]


@dataclass(frozen=True)
class Var:
    """A ${key} or ${key, 'default'} reference; key lower-cased because keys are."""

    key: str
    default: str | None


@dataclass(frozen=True)
class Lit:
    """An escape such as ${*}: a character that must match literally."""

    text: str


Part = str | Var | Lit


def scalar_text(value: NormValue) -> str | None:
    """How IAM renders a single context value as a string (None for multi-valued keys)."""
    if isinstance(value, tuple):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class Template:
    """Policy text containing variables, split into parts so resolution is cheap."""

    parts: tuple[Part, ...]

    def resolve(self, lookup: Lookup) -> tuple[Token, ...] | None:
        """Substitute variables; None when one is missing without a default (no match)."""
        out: list[Token] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append((True, part))
            elif isinstance(part, Lit):
                out.append((False, part.text))
            else:
                value = lookup.get(part.key)
                text = None if value is None else scalar_text(value)
                if text is None:
                    text = part.default
                if text is None:
                    return None
                out.append((False, text))
        return tuple(out)

    def resolve_text(self, lookup: Lookup) -> str | None:
        """The substituted string, for comparisons where wildcards mean nothing."""
        tokens = self.resolve(lookup)
        return None if tokens is None else "".join(text for _, text in tokens)


def resource_part_start(text: str) -> int:
    """Index just past an ARN's fifth colon, counting colons outside ${...}; len(text) if none.

    IAM substitutes variables in a Resource ARN only there ("Where you can use policy
    variables", reference_policies_variables.html#policy-vars-resourceelement).
    """
    colons = 0
    pos = 0
    for match in _VAR_RE.finditer(text):
        for i in range(pos, match.start()):
            if text[i] == ":":
                colons += 1
                if colons == 5:
                    return i + 1
        pos = match.end()
    for i in range(pos, len(text)):
        if text[i] == ":":
            colons += 1
            if colons == 5:
                return i + 1
    return len(text)


def parse_template(text: str, start: int = 0) -> Template | None:
    """Split text into parts; None when it holds no recognisable variable (the fast path).

    Variables that begin before `start` stay as the characters written (see resource_part_start).
    """
    if "${" not in text:
        return None
    parts: list[Part] = []
    pos = 0
    found = False
    for match in _VAR_RE.finditer(text):
        if match.start() < start:
            continue
        body = match.group(1)
        part: Part | None = None
        if body in _ESCAPES:
            part = Lit(body)
        else:
            m = _BODY_RE.fullmatch(body)
            if m is not None:
                part = Var(m.group(1).lower(), m.group(2))
        if part is None:
            continue  # not a variable AWS recognises: leave the characters as written
        if match.start() > pos:
            parts.append(text[pos : match.start()])
        parts.append(part)
        pos = match.end()
        found = True
    if not found:
        return None
    if pos < len(text):
        parts.append(text[pos:])
    return Template(tuple(parts))
