"""The intrinsics beyond the basics: ImportValue, GetAZs, Cidr, and the LanguageExtensions ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.deploy.functions import take_language_extensions
from harness.deploy.intrinsics import Resolver
from harness.deploy.model import DeployError
from harness.deploy.params import pseudo_parameters

from .helpers import STACK_ID, template

BASE = """
Mappings:
  Tiers:
    basic: {Rate: 50}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
"""


def _resolver(tmp_path: Path, text: str = BASE, **kwargs: object) -> Resolver:
    tpl = template(tmp_path, text)
    extensions = take_language_extensions(tpl)
    pseudo = pseudo_parameters("eu-west-1", "123456789012", "s1", STACK_ID)
    return Resolver(tpl, {}, pseudo, language_extensions=extensions, **kwargs)  # type: ignore[arg-type]


def test_import_value_asks_the_export_index_and_records_the_import(tmp_path: Path) -> None:
    """Fn::ImportValue returns the export's value; the resolver remembers what was imported.

    AWS CloudFormation Template Reference, Fn::ImportValue."""
    exports = {"shared-table": "tbl-9"}

    def lookup(name: str, where: str) -> str:
        if name not in exports:
            raise DeployError(f"{where}: No export named {name} found")
        return exports[name]

    res = _resolver(tmp_path, exports=lookup)
    assert res.resolve({"Fn::ImportValue": {"Fn::Join": ["-", ["shared", "table"]]}}) == "tbl-9"
    assert res.imported == {"shared-table"}
    with pytest.raises(DeployError, match="No export named other found"):
        res.resolve({"Fn::ImportValue": "other"})


def test_get_azs_lists_the_regions_zones_and_the_current_region_for_an_empty_name(
        tmp_path: Path) -> None:
    """Fn::GetAZs "" (or !Ref AWS::Region) means the stack's region.

    AWS CloudFormation Template Reference, Fn::GetAZs."""
    res = _resolver(tmp_path, zones=lambda region: [f"{region}x", f"{region}y"])
    assert res.resolve({"Fn::GetAZs": ""}) == ["eu-west-1x", "eu-west-1y"]
    assert res.resolve({"Fn::GetAZs": {"Ref": "AWS::Region"}}) == ["eu-west-1x", "eu-west-1y"]
    assert res.resolve({"Fn::Select": [1, {"Fn::GetAZs": "us-east-2"}]}) == "us-east-2y"


def test_cidr_cuts_subnets_of_the_given_host_bits(tmp_path: Path) -> None:
    """Fn::Cidr [ipBlock, count, cidrBits]: count subnets with cidrBits host bits each.

    AWS CloudFormation Template Reference, Fn::Cidr (example: "192.168.0.0/24", 6, 5 gives six
    /27 subnets)."""
    res = _resolver(tmp_path)
    assert res.resolve({"Fn::Cidr": ["192.168.0.0/24", 6, 5]}) == [
        "192.168.0.0/27", "192.168.0.32/27", "192.168.0.64/27", "192.168.0.96/27",
        "192.168.0.128/27", "192.168.0.160/27"]
    assert res.resolve({"Fn::Cidr": ["2001:db8::/56", 2, 64]}) == ["2001:db8::/64",
                                                                    "2001:db8:0:1::/64"]
    with pytest.raises(DeployError, match="fewer than 9"):
        res.resolve({"Fn::Cidr": ["10.0.0.0/29", 9, 0]})
    with pytest.raises(DeployError, match="Fn::Cidr"):
        res.resolve({"Fn::Cidr": ["not-an-ip", 1, 4]})


EXTENDED = """
Transform: AWS::LanguageExtensions
Mappings:
  Tiers:
    basic: {Rate: 50}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
"""


def test_language_extensions_add_length_to_json_string_and_find_in_map_default(
        tmp_path: Path) -> None:
    """Fn::Length, Fn::ToJsonString and FindInMap's DefaultValue need Transform:
    AWS::LanguageExtensions; without it they are refused.

    AWS CloudFormation Template Reference, "AWS::LanguageExtensions transform", Fn::Length,
    Fn::ToJsonString, Fn::FindInMap ("enhancements": DefaultValue)."""
    res = _resolver(tmp_path, EXTENDED)
    assert "Transform" not in res.tpl.body
    assert res.resolve({"Fn::Length": [1, 2, {"Ref": "AWS::NoValue"}, 3]}) == 3
    text = res.resolve({"Fn::ToJsonString": {"a": [1, "b"], "r": {"Ref": "AWS::Region"}}})
    assert json.loads(text) == {"a": [1, "b"], "r": "eu-west-1"} and " " not in text
    assert res.resolve({"Fn::FindInMap": ["Tiers", "basic", "Rate", {"DefaultValue": 1}]}) == 50
    assert res.resolve({"Fn::FindInMap": ["Tiers", "gold", "Rate", {"DefaultValue": 7}]}) == 7
    assert res.resolve({"Fn::FindInMap": ["Nope", "gold", "Rate", {"DefaultValue": 7}]}) == 7
    (tmp_path / "plain").mkdir()
    plain = _resolver(tmp_path / "plain")
    for expr in ({"Fn::Length": [1]}, {"Fn::ToJsonString": {"a": 1}},
                 {"Fn::FindInMap": ["Tiers", "gold", "Rate", {"DefaultValue": 7}]}):
        with pytest.raises(DeployError, match="AWS::LanguageExtensions"):
            plain.resolve(expr)
