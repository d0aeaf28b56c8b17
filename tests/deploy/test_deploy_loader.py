"""Template loading: short-form tags, JSON, line numbers, and the sections' validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.deploy.loader import LDict, line_of, load_template
from harness.deploy.model import DeployError
from harness.deploy.params import NO_ECHO_MASK, resolve_parameters

from .helpers import template, write


def test_short_tags_become_long_form(tmp_path: Path) -> None:
    tpl = template(tmp_path, """
        Resources:
          T:
            Type: X
            Properties:
              A: !Ref P
              B: !Sub "${P}-x"
              C: !GetAtt Res.Attr.Nested
              D: !If [Cond, !Join [",", [a, b]], !Ref AWS::NoValue]
              E: !Select [0, !Split [",", "a,b"]]
              F: !FindInMap [M, k, v]
              G: !Base64 text
              H: !Equals [a, b]
              I: !Condition C1
              J: !Sub ["${x}", {x: 1}]
        """)
    props = tpl.section("Resources")["T"]["Properties"]
    assert props["A"] == {"Ref": "P"}
    assert props["B"] == {"Fn::Sub": "${P}-x"}
    assert props["C"] == {"Fn::GetAtt": ["Res", "Attr.Nested"]}
    assert props["D"] == {"Fn::If": ["Cond", {"Fn::Join": [",", ["a", "b"]]},
                                     {"Ref": "AWS::NoValue"}]}
    assert props["E"] == {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}
    assert props["F"] == {"Fn::FindInMap": ["M", "k", "v"]}
    assert props["G"] == {"Fn::Base64": "text"}
    assert props["H"] == {"Fn::Equals": ["a", "b"]}
    assert props["I"] == {"Condition": "C1"}
    assert props["J"] == {"Fn::Sub": ["${x}", {"x": 1}]}


def test_lines_are_recorded_for_mappings_keys_and_tags(tmp_path: Path) -> None:
    tpl = template(tmp_path, """
        Resources:
          T:
            Type: X
            Properties:
              A: !Ref P
        """)
    resources = tpl.section("Resources")
    assert tpl.resource_line("T") == 2
    assert line_of(resources["T"]["Properties"]["A"]) == 5
    assert resources["T"]["Properties"].key_lines["A"] == 5
    assert tpl.at(resources["T"]) == "template.yaml:3"


def test_dates_stay_strings_and_duplicate_keys_fail(tmp_path: Path) -> None:
    tpl = template(tmp_path, "AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n")
    assert tpl.body["AWSTemplateFormatVersion"] == "2010-09-09"
    with pytest.raises(DeployError, match=r"template.yaml:2: duplicate key 'A'"):
        template(tmp_path, "A: 1\nA: 2\n")


def test_unknown_tag_is_an_error_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"template.yaml:3: unsupported YAML tag !Frobnicate"):
        template(tmp_path, "Resources:\n  T:\n    Type: !Frobnicate x\n")


def test_json_templates_load_with_lines(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n "Resources": {\n  "T": {"Type": "X",\n   "Properties": '
                 '{"A": {"Ref": "P"}}}\n }\n}\n', "t.json")
    tpl = load_template(path)
    props = tpl.section("Resources")["T"]["Properties"]
    assert props["A"] == {"Ref": "P"}
    assert isinstance(props, LDict) and line_of(props["A"]) == 4


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"template.yaml:2: invalid YAML"):
        template(tmp_path, "A: [1, 2\nB: 3\n")


def test_parameters_defaults_types_and_noecho(tmp_path: Path) -> None:
    tpl = template(tmp_path, """
        Parameters:
          Tier: {Type: String, AllowedValues: [basic, premium], Default: basic}
          Rate: {Type: Number, MinValue: 1, MaxValue: 500}
          Ids: {Type: CommaDelimitedList, Default: ""}
          Secret: {Type: String, NoEcho: true, Default: s3cr3t}
          Name: {Type: String, AllowedPattern: "[a-z]+", MaxLength: 5, Default: abc}
        Resources: {}
        """)
    values, shown = resolve_parameters(tpl, {"Rate": "50"})
    assert values == {"Tier": "basic", "Rate": "50", "Ids": [], "Secret": "s3cr3t",
                      "Name": "abc"}
    assert shown["Secret"] == NO_ECHO_MASK and shown["Rate"] == "50"
    with pytest.raises(DeployError, match=r"template.yaml:2: parameter Tier value 'gold' is "
                                          r"not one of the AllowedValues \['basic', 'premium'\]"):
        resolve_parameters(tpl, {"Rate": "1", "Tier": "gold"})
    with pytest.raises(DeployError, match="parameter Rate must be a number"):
        resolve_parameters(tpl, {"Rate": "fast"})
    with pytest.raises(DeployError, match="parameter Rate is above MaxValue"):
        resolve_parameters(tpl, {"Rate": "501"})
    with pytest.raises(DeployError, match="parameter Rate has no value and no Default"):
        resolve_parameters(tpl, {})
    with pytest.raises(DeployError, match="does not match AllowedPattern"):
        resolve_parameters(tpl, {"Rate": "1", "Name": "ABC"})
    with pytest.raises(DeployError, match="longer than MaxLength"):
        resolve_parameters(tpl, {"Rate": "1", "Name": "abcdefg"})
    with pytest.raises(DeployError, match=r"parameters \['Bogus'\] do not exist"):
        resolve_parameters(tpl, {"Rate": "1", "Bogus": "x"})
