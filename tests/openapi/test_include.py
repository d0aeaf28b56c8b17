"""AWS::Include with a local Location (pure): the snippet replaces a lone Fn::Transform, or is
merged beside sibling keys; a missing file or an S3 Location is named.

Docs: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/create-reusable-transform-function-snippets-and-add-to-your-template-with-aws-include-transform.html
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.deploy.include import expand
from harness.deploy.model import DeployError


def _include(location: str) -> dict[str, object]:
    return {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": location}}}


def test_a_lone_transform_is_replaced_and_includes_nest(tmp_path: Path) -> None:
    """The included file may itself include another, relative to its own folder."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.yaml").write_text("value: !Sub '${AWS::Region}'\n")
    (tmp_path / "outer.yaml").write_text(
        "inner:\n  Fn::Transform: {Name: AWS::Include, Parameters: {Location: sub/inner.yaml}}\n")
    doc = {"Body": _include("outer.yaml"), "Other": [_include("sub/inner.yaml")]}
    out = expand(doc, tmp_path, "t.yaml")
    assert out["Body"] == {"inner": {"value": {"Fn::Sub": "${AWS::Region}"}}}
    assert out["Other"] == [{"value": {"Fn::Sub": "${AWS::Region}"}}]


def test_beside_other_keys_the_snippet_is_merged(tmp_path: Path) -> None:
    """Keys already present win over the snippet's."""
    (tmp_path / "s.yaml").write_text("a: 1\nb: 2\n")
    out = expand({"b": 0, **_include("s.yaml")}, tmp_path, "t.yaml")
    assert out == {"b": 0, "a": 1}


@pytest.mark.parametrize(("location", "needle"), [
    ("missing.yaml", "missing.yaml is not a file"),
    ("s3://bucket/key.yaml", "needs a local Location"),
])
def test_an_unusable_location_is_named(tmp_path: Path, location: str, needle: str) -> None:
    with pytest.raises(DeployError, match=needle):
        expand(_include(location), tmp_path, "t.yaml")


def test_other_transforms_are_left_alone(tmp_path: Path) -> None:
    """Only AWS::Include is expanded here; any other Fn::Transform stays for the deployer."""
    value = {"Fn::Transform": {"Name": "AWS::Other"}}
    assert expand(value, tmp_path, "t.yaml") == {"Fn::Transform": {"Name": "AWS::Other"}}
