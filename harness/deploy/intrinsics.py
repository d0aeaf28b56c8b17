"""CloudFormation intrinsic functions and conditions, resolved against parameters and deployed resources."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any, Protocol

from harness.deploy.functions import LANGUAGE_EXTENSIONS, cidr, default_zones
from harness.deploy.loader import LDict, Template, line_of
from harness.deploy.model import DeployError


class _NoValue:
    """`Ref: AWS::NoValue`: the property or list item it stands for is removed."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()
SUPPORTED = ("Ref", "Fn::Sub", "Fn::GetAtt", "Fn::If", "Fn::Join", "Fn::Select", "Fn::Split",
             "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Fn::FindInMap", "Fn::Base64",
             "Fn::ImportValue", "Fn::GetAZs", "Fn::Cidr", "Fn::Length", "Fn::ToJsonString")
# Functions (and FindInMap's DefaultValue) that exist only under Transform: AWS::LanguageExtensions.
_EXTENSION_ONLY = ("Fn::Length", "Fn::ToJsonString")
ExportLookup = Callable[[str, str], str]
ZoneLookup = Callable[[str], list[str]]



_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Lookup(Protocol):
    """Where resource references are answered; raises DeployError (worded with `where`) if it can't."""

    def ref(self, logical_id: str, where: str) -> Any: ...

    def getatt(self, logical_id: str, attribute: str, where: str) -> Any: ...


def stringify(value: Any, what: str, where: str) -> str:
    """A resolved scalar as CloudFormation would splice it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise DeployError(f"{where}: {what} must resolve to a string, got {type(value).__name__} "
                      f"{value!r}")


class Resolver:
    """Evaluates intrinsics; conditions are evaluated once per deploy and memoised."""

    def __init__(self, tpl: Template, params: dict[str, Any], pseudo: dict[str, Any],
                 lookup: Lookup | None = None, *, exports: ExportLookup | None = None,
                 zones: ZoneLookup = default_zones, language_extensions: bool = False) -> None:
        self.tpl = tpl
        self.params = params
        self.pseudo = pseudo
        self.lookup = lookup
        self.exports = exports
        self.zones = zones
        self.language_extensions = language_extensions
        self.imported: set[str] = set()
        self.conditions = tpl.section("Conditions")
        self.mappings = tpl.section("Mappings")
        self._cond_cache: dict[str, bool] = {}
        self._cond_stack: list[str] = []

    def with_lookup(self, lookup: Lookup) -> Resolver:
        """The same resolver (and condition cache) answering resource references through `lookup`."""
        other = Resolver(self.tpl, self.params, self.pseudo, lookup, exports=self.exports,
                         zones=self.zones, language_extensions=self.language_extensions)
        other._cond_cache = self._cond_cache
        other.imported = self.imported
        return other

    # -- values ---------------------------------------------------------------------------------

    def resolve(self, value: Any, line: int = 0) -> Any:
        """The value with every intrinsic evaluated; may return NO_VALUE at the top level."""
        if isinstance(value, dict):
            line = line_of(value) or line
            if len(value) == 1:
                key, arg = next(iter(value.items()))
                if key == "Ref":
                    return self._ref(arg, line)
                if key.startswith("Fn::"):
                    return self._function(key, arg, line)
            key_lines = value.key_lines if isinstance(value, LDict) else {}
            out: dict[str, Any] = {}
            for key, item in value.items():
                resolved = self.resolve(item, key_lines.get(key, line))
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(value, list):
            line = line_of(value) or line
            items = (self.resolve(item, line) for item in value)
            return [item for item in items if item is not NO_VALUE]
        return value

    def _where(self, line: int) -> str:
        return self.tpl.at(line)

    def _ref(self, name: Any, line: int) -> Any:
        where = self._where(line)
        name = self.resolve(name, line) if isinstance(name, dict) else name
        if not isinstance(name, str):
            raise DeployError(f"{where}: Ref needs a name, got {name!r}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name.startswith("AWS::"):
            raise DeployError(f"{where}: unsupported pseudo parameter {name}")
        if name in self.params:
            return self.params[name]
        if self.lookup is None:
            raise DeployError(f"{where}: Ref {name} is not a parameter (resources cannot be "
                              "referenced here)")
        return self.lookup.ref(name, where)

    def _getatt(self, logical: str, attribute: str, line: int) -> Any:
        where = self._where(line)
        if self.lookup is None:
            raise DeployError(f"{where}: Fn::GetAtt {logical}.{attribute} cannot be used here")
        return self.lookup.getatt(logical, attribute, where)

    def _function(self, name: str, arg: Any, line: int) -> Any:
        where = self._where(line)
        handler = getattr(self, "_fn_" + name[4:].lower(), None)
        if name not in SUPPORTED or handler is None:
            raise DeployError(f"{where}: unsupported intrinsic function {name}")
        if name in _EXTENSION_ONLY and not self.language_extensions:
            raise DeployError(f"{where}: {name} needs Transform: {LANGUAGE_EXTENSIONS}")
        return handler(arg, line, where)

    def _args(self, name: str, arg: Any, count: int, where: str) -> list[Any]:
        if not isinstance(arg, list) or len(arg) != count:
            raise DeployError(f"{where}: {name} takes a list of {count} arguments, got {arg!r}")
        return list(arg)

    def _fn_sub(self, arg: Any, line: int, where: str) -> str:
        variables: dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[1], dict):
                raise DeployError(f"{where}: Fn::Sub takes a string or [string, {{variables}}]")
            text = arg[0]
            for key, value in arg[1].items():
                variables[key] = self.resolve(value, line)
        else:
            text = arg
        if not isinstance(text, str):
            raise DeployError(f"{where}: Fn::Sub needs a literal string, got {text!r}")

        def replace(match: re.Match[str]) -> str:
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            name = inner.strip()
            if name in variables:
                value = variables[name]
            elif name in self.pseudo or name in self.params or "." not in name:
                value = self._ref(name, line)
            else:
                logical, _, attribute = name.partition(".")
                value = self._getatt(logical, attribute, line)
            return stringify(value, f"Fn::Sub variable ${{{name}}}", where)

        return _SUB_VAR.sub(replace, text)

    def _fn_getatt(self, arg: Any, line: int, where: str) -> Any:
        if isinstance(arg, str):
            logical, _, attribute = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2:
            logical = arg[0]
            attribute = self.resolve(arg[1], line)
        else:
            raise DeployError(f"{where}: Fn::GetAtt takes [LogicalId, Attribute], got {arg!r}")
        if not isinstance(logical, str) or not isinstance(attribute, str) or not attribute:
            raise DeployError(f"{where}: Fn::GetAtt takes [LogicalId, Attribute], got {arg!r}")
        return self._getatt(logical, attribute, line)

    def _fn_if(self, arg: Any, line: int, where: str) -> Any:
        cond, when_true, when_false = self._args("Fn::If", arg, 3, where)
        if not isinstance(cond, str):
            raise DeployError(f"{where}: Fn::If needs a condition name, got {cond!r}")
        return self.resolve(when_true if self.condition(cond, line) else when_false, line)

    def _fn_join(self, arg: Any, line: int, where: str) -> str:
        delimiter, values = self._args("Fn::Join", arg, 2, where)
        values = self.resolve(values, line)
        if not isinstance(delimiter, str) or not isinstance(values, list):
            raise DeployError(f"{where}: Fn::Join takes [delimiter, [values]], got {arg!r}")
        return delimiter.join(stringify(v, "Fn::Join item", where) for v in values)

    def _fn_select(self, arg: Any, line: int, where: str) -> Any:
        index, values = self._args("Fn::Select", arg, 2, where)
        index = self.resolve(index, line)
        values = self.resolve(values, line)
        try:
            position = int(index)
        except (TypeError, ValueError):
            raise DeployError(f"{where}: Fn::Select index must be a number, got {index!r}") from None
        if not isinstance(values, list) or not 0 <= position < len(values):
            raise DeployError(f"{where}: Fn::Select index {position} is out of range for "
                              f"{values!r}")
        return values[position]

    def _fn_split(self, arg: Any, line: int, where: str) -> list[str]:
        delimiter, source = self._args("Fn::Split", arg, 2, where)
        source = self.resolve(source, line)
        if not isinstance(delimiter, str) or not delimiter:
            raise DeployError(f"{where}: Fn::Split needs a non-empty delimiter")
        return stringify(source, "Fn::Split source", where).split(delimiter)

    def _fn_findinmap(self, arg: Any, line: int, where: str) -> Any:
        default: Any = NO_VALUE
        if isinstance(arg, list) and len(arg) == 4:
            option = arg[3]
            if not self.language_extensions:
                raise DeployError(f"{where}: Fn::FindInMap with a DefaultValue needs Transform: "
                                  f"{LANGUAGE_EXTENSIONS}")
            if not isinstance(option, dict) or set(option) != {"DefaultValue"}:
                raise DeployError(f"{where}: Fn::FindInMap's fourth argument must be "
                                  "{DefaultValue: value}")
            default, arg = option["DefaultValue"], arg[:3]
        keys = [self.resolve(k, line) for k in self._args("Fn::FindInMap", arg, 3, where)]
        names = [stringify(k, "Fn::FindInMap key", where) for k in keys]
        mapping = self.mappings.get(names[0])
        top = mapping.get(names[1]) if isinstance(mapping, dict) else None
        if isinstance(top, dict) and names[2] in top:
            return self.resolve(top[names[2]], line)
        if default is not NO_VALUE:
            return self.resolve(default, line)
        if not isinstance(mapping, dict):
            raise DeployError(f"{where}: Fn::FindInMap: no mapping named {names[0]}")
        raise DeployError(f"{where}: Fn::FindInMap: {names[0]} has no {names[1]}/{names[2]}")

    def _fn_importvalue(self, arg: Any, line: int, where: str) -> str:
        name = stringify(self.resolve(arg, line), "Fn::ImportValue name", where)
        if self.exports is None:
            raise DeployError(f"{where}: Fn::ImportValue {name}: no exports are known here")
        value = self.exports(name, where)
        self.imported.add(name)
        return value

    def _fn_getazs(self, arg: Any, line: int, where: str) -> list[str]:
        region = self.resolve(arg, line)
        region = stringify(region, "Fn::GetAZs region", where) or self.pseudo["AWS::Region"]
        return list(self.zones(region))

    def _fn_cidr(self, arg: Any, line: int, where: str) -> list[str]:
        block, count, bits = (self.resolve(v, line) for v in self._args("Fn::Cidr", arg, 3, where))
        return cidr(stringify(block, "Fn::Cidr ipBlock", where), count, bits, where)

    def _fn_length(self, arg: Any, line: int, where: str) -> int:
        value = self.resolve(arg, line)
        if not isinstance(value, list):
            raise DeployError(f"{where}: Fn::Length needs a list, got {value!r}")
        return len(value)

    def _fn_tojsonstring(self, arg: Any, line: int, where: str) -> str:
        value = self.resolve(arg, line)
        if not isinstance(value, dict | list):
            raise DeployError(f"{where}: Fn::ToJsonString needs an object or a list")
        return json.dumps(value, separators=(",", ":"))

    def _fn_base64(self, arg: Any, line: int, where: str) -> str:
        text = stringify(self.resolve(arg, line), "Fn::Base64 input", where)
        return base64.b64encode(text.encode()).decode()

    def _fn_equals(self, arg: Any, line: int, where: str) -> bool:
        left, right = (self.resolve(v, line) for v in self._args("Fn::Equals", arg, 2, where))
        if isinstance(left, list) or isinstance(right, list):
            return bool(left == right)
        return stringify(left, "Fn::Equals operand", where) == stringify(
            right, "Fn::Equals operand", where)

    def _fn_not(self, arg: Any, line: int, where: str) -> bool:
        (inner,) = self._args("Fn::Not", arg, 1, where)
        return not self._condition_expr(inner, line)

    def _fn_and(self, arg: Any, line: int, where: str) -> bool:
        if not isinstance(arg, list) or not 2 <= len(arg) <= 10:
            raise DeployError(f"{where}: Fn::And takes 2 to 10 conditions")
        return all(self._condition_expr(item, line) for item in arg)

    def _fn_or(self, arg: Any, line: int, where: str) -> bool:
        if not isinstance(arg, list) or not 2 <= len(arg) <= 10:
            raise DeployError(f"{where}: Fn::Or takes 2 to 10 conditions")
        return any(self._condition_expr(item, line) for item in arg)

    # -- conditions -----------------------------------------------------------------------------

    def condition(self, name: str, line: int = 0) -> bool:
        """A named condition's truth, evaluated once."""
        if name in self._cond_cache:
            return self._cond_cache[name]
        if name not in self.conditions:
            raise DeployError(f"{self._where(line)}: unknown condition {name}")
        if name in self._cond_stack:
            cycle = " -> ".join([*self._cond_stack, name])
            raise DeployError(f"{self._where(line)}: circular condition {cycle}")
        self._cond_stack.append(name)
        try:
            expr = self.conditions[name]
            value = self._condition_expr(expr, line_of(expr) or
                                         self.conditions.key_lines.get(name, line))
        finally:
            self._cond_stack.pop()
        self._cond_cache[name] = value
        return value

    def _condition_expr(self, expr: Any, line: int) -> bool:
        line = line_of(expr) or line
        if isinstance(expr, dict) and len(expr) == 1:
            key, arg = next(iter(expr.items()))
            if key == "Condition":
                if not isinstance(arg, str):
                    raise DeployError(f"{self._where(line)}: Condition needs a name")
                return self.condition(arg, line)
            if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
                return bool(self._function(key, arg, line))
        value = self.resolve(expr, line)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise DeployError(f"{self._where(line)}: not a condition: {expr!r}")

