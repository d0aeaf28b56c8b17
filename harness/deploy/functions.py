"""Pure pieces of intrinsic functions and transforms: Fn::Cidr's arithmetic, zones, LanguageExtensions."""

from __future__ import annotations

import ipaddress
from typing import Any

from harness.deploy.loader import Template
from harness.deploy.model import DeployError

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"


def default_zones(region: str) -> list[str]:
    """Availability zones when no EC2 endpoint answers: the region's a, b and c."""
    return [f"{region}{letter}" for letter in "abc"]


def cidr(block: str, count: Any, bits: Any, where: str) -> list[str]:
    """Fn::Cidr: `count` subnets of `block`, each with `bits` host bits, in address order."""
    try:
        network = ipaddress.ip_network(block, strict=False)
        count, bits = int(count), int(bits)
    except (TypeError, ValueError) as exc:
        raise DeployError(f"{where}: Fn::Cidr: {exc}") from None
    prefix = network.max_prefixlen - bits
    if not 1 <= count <= 256 or not network.prefixlen <= prefix <= network.max_prefixlen:
        raise DeployError(f"{where}: Fn::Cidr: cannot cut {count} /{prefix} subnets from {network}")
    subnets = []
    for subnet in network.subnets(new_prefix=prefix):
        subnets.append(str(subnet))
        if len(subnets) == count:
            return subnets
    raise DeployError(f"{where}: Fn::Cidr: {network} holds fewer than {count} /{prefix} subnets")


def take_language_extensions(tpl: Template) -> bool:
    """Whether the template names AWS::LanguageExtensions; it is removed, as CloudFormation runs it first."""
    transform = tpl.body.get("Transform")
    if transform == LANGUAGE_EXTENSIONS:
        del tpl.body["Transform"]
        return True
    if isinstance(transform, list) and LANGUAGE_EXTENSIONS in transform:
        rest = [t for t in transform if t != LANGUAGE_EXTENSIONS]
        if rest:
            tpl.body["Transform"] = rest
        else:
            del tpl.body["Transform"]
        return True
    return False
