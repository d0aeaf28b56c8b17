"""The intrinsic resolver on its own: every function, conditions, NoValue and error locations."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.deploy.intrinsics import NO_VALUE, Resolver, stringify
from harness.deploy.model import DeployError

from .helpers import STACK_ID, resolver, template

BASE = """
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Size:
    Type: Number
    Default: 3
  Names:
    Type: CommaDelimitedList
    Default: "a, b ,c"
Mappings:
  Tiers:
    basic: {Rate: 50, Burst: 50}
    premium: {Rate: 100, Burst: 200}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals ["3", !Ref Size]]
  Either: !Or [!Condition IsProd, !Equals [x, y]]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
"""
RESOURCES = {"Table": {"Ref": "tbl-1", "Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/tbl-1"},
             "Fn": {"Ref": "fn-1", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:fn-1"}}


@pytest.fixture
def res(tmp_path: Path) -> Resolver:
    return resolver(template(tmp_path, BASE), resources=RESOURCES)


def test_ref_parameters_pseudo_and_resources(res: Resolver) -> None:
    assert res.resolve({"Ref": "Env"}) == "dev"
    assert res.resolve({"Ref": "Size"}) == "3"
    assert res.resolve({"Ref": "Names"}) == ["a", "b", "c"]
    assert res.resolve({"Ref": "AWS::Region"}) == "us-east-1"
    assert res.resolve({"Ref": "AWS::AccountId"}) == "123456789012"
    assert res.resolve({"Ref": "AWS::StackName"}) == "s1"
    assert res.resolve({"Ref": "AWS::StackId"}) == STACK_ID
    assert res.resolve({"Ref": "AWS::Partition"}) == "aws"
    assert res.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert res.resolve({"Ref": "Table"}) == "tbl-1"


def test_novalue_removes_keys_and_list_items(res: Resolver) -> None:
    value = {"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}, 2],
             "C": {"Fn::If": ["IsProd", "x", {"Ref": "AWS::NoValue"}]}}
    assert res.resolve(value) == {"B": [1, 2]}
    assert res.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_sub_string_form_with_refs_attributes_and_literals(res: Resolver) -> None:
    text = "${Env}-${AWS::Region}-${Table}-${Fn.Arn}-${!Literal}-${ AWS::AccountId }"
    assert res.resolve({"Fn::Sub": text}) == (
        "dev-us-east-1-tbl-1-arn:aws:lambda:us-east-1:123456789012:function:fn-1-${Literal}"
        "-123456789012")


def test_sub_list_form_variables_shadow_and_resolve(res: Resolver) -> None:
    value = {"Fn::Sub": ["${Env}/${table}/${Other}", {"table": {"Ref": "Table"},
                                                      "Env": "shadowed",
                                                      "Other": {"Fn::Join": ["+", ["p", "q"]]}}]}
    assert res.resolve(value) == "shadowed/tbl-1/p+q"


def test_sub_rejects_lists(tmp_path: Path) -> None:
    res = resolver(template(tmp_path, BASE + "    Properties:\n      X: !Sub '${Names}'\n"))
    with pytest.raises(DeployError, match=r"template.yaml:\d+: Fn::Sub variable \$\{Names\}"):
        res.resolve(res.tpl.section("Resources")["Table"]["Properties"])


def test_getatt_both_forms_and_attribute_from_ref(res: Resolver) -> None:
    assert res.resolve({"Fn::GetAtt": ["Table", "Arn"]}).endswith("table/tbl-1")
    assert res.resolve({"Fn::GetAtt": "Fn.Arn"}).endswith("function:fn-1")
    with pytest.raises(DeployError, match=r"no attribute Table\.Nope"):
        res.resolve({"Fn::GetAtt": ["Table", "Nope"]})


def test_join_select_split(res: Resolver) -> None:
    assert res.resolve({"Fn::Join": [",", ["a", {"Ref": "Env"}, 3]]}) == "a,dev,3"
    assert res.resolve({"Fn::Join": ["", []]}) == ""
    assert res.resolve({"Fn::Join": ["-", {"Ref": "Names"}]}) == "a-b-c"
    assert res.resolve({"Fn::Select": ["1", {"Ref": "Names"}]}) == "b"
    assert res.resolve({"Fn::Select": [0, {"Fn::Split": ["/", "x/y/z"]}]}) == "x"
    assert res.resolve({"Fn::Split": [",", {"Fn::Join": [",", ["1", "2"]]}]}) == ["1", "2"]
    with pytest.raises(DeployError, match="out of range"):
        res.resolve({"Fn::Select": [5, ["a"]]})


def test_findinmap_and_base64(res: Resolver) -> None:
    assert res.resolve({"Fn::FindInMap": ["Tiers", "premium", "Burst"]}) == 200
    assert res.resolve({"Fn::FindInMap": ["Tiers", {"Fn::If": ["IsProd", "premium", "basic"]},
                                          "Rate"]}) == 50
    assert base64.b64decode(res.resolve({"Fn::Base64": {"Fn::Sub": "${Env}!"}})) == b"dev!"
    with pytest.raises(DeployError, match="Fn::FindInMap: Tiers has no gold/Rate"):
        res.resolve({"Fn::FindInMap": ["Tiers", "gold", "Rate"]})


def test_conditions_evaluate_and_nest(tmp_path: Path) -> None:
    dev = resolver(template(tmp_path, BASE))
    assert dev.condition("IsProd") is False
    assert dev.condition("IsDev") is True
    assert dev.condition("Both") is True
    assert dev.condition("Either") is False
    prod = resolver(template(tmp_path, BASE), {"Env": "prod"})
    assert prod.condition("IsProd") and prod.condition("Either")
    assert prod.resolve({"Fn::If": ["IsProd", {"Ref": "Env"}, "no"]}) == "prod"


def test_circular_and_unknown_conditions(tmp_path: Path) -> None:
    text = BASE.replace("Resources:", "  A: !Condition B\n  B: !Not [!Condition A]\nResources:")
    res = resolver(template(tmp_path, text))
    with pytest.raises(DeployError, match="circular condition A -> B -> A"):
        res.condition("A")
    with pytest.raises(DeployError, match="unknown condition Nope"):
        res.resolve({"Fn::If": ["Nope", 1, 2]})


def test_unsupported_intrinsic_names_itself_and_the_line(tmp_path: Path) -> None:
    text = BASE + "    Properties:\n      TableName: !Transform {Name: X, Parameters: {}}\n"
    res = resolver(template(tmp_path, text))
    props = res.tpl.section("Resources")["Table"]["Properties"]
    with pytest.raises(DeployError) as err:
        res.resolve(props)
    line = text.lstrip("\n").splitlines().index(
        "      TableName: !Transform {Name: X, Parameters: {}}") + 1
    assert str(err.value) == f"template.yaml:{line}: unsupported intrinsic function Fn::Transform"
    with pytest.raises(DeployError, match="unsupported intrinsic function Fn::GetStackOutput"):
        res.resolve({"Fn::GetStackOutput": ["a", "b"]})


def test_unknown_ref_and_bad_arguments(res: Resolver) -> None:
    with pytest.raises(DeployError, match="unknown resource or parameter Missing"):
        res.resolve({"Ref": "Missing"})
    with pytest.raises(DeployError, match="unsupported pseudo parameter AWS::Nope"):
        res.resolve({"Ref": "AWS::Nope"})
    with pytest.raises(DeployError, match="Fn::Join takes"):
        res.resolve({"Fn::Join": ["only-one"]})
    with pytest.raises(DeployError, match="Fn::If takes a list of 3"):
        res.resolve({"Fn::If": ["IsProd", 1]})


def test_plain_maps_with_fn_like_keys_are_not_intrinsics(res: Resolver) -> None:
    statement = {"Effect": "Allow", "Condition": {"StringLike": {"k": "${aws:username}"}}}
    assert res.resolve(statement) == statement
    assert res.resolve({"Ref": "Env", "Other": 1}) == {"Ref": "Env", "Other": 1}


def test_resources_cannot_be_referenced_without_a_lookup(tmp_path: Path) -> None:
    res = resolver(template(tmp_path, BASE))
    res.lookup = None
    assert res.resolve({"Ref": "Env"}) == "dev"
    with pytest.raises(DeployError, match="Ref Table is not a parameter"):
        res.resolve({"Ref": "Table"})


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=","), max_size=8),
                min_size=1, max_size=6))
def test_split_inverts_join(items: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        res = resolver(template(Path(tmp), BASE))
        joined = res.resolve({"Fn::Join": [",", items]})
        assert res.resolve({"Fn::Split": [",", joined]}) == items


@given(st.one_of(st.integers(), st.booleans(), st.text(max_size=5)))
def test_stringify_scalars(value: object) -> None:
    text = stringify(value, "x", "f:1")
    assert text == ("true" if value is True else "false" if value is False else str(value))
