"""Dependency discovery and ordering: references, DependsOn, implicit API edges, cycles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.deploy.graph import (
    api_members,
    dependencies,
    implicit_edges,
    references,
    topological_order,
)
from harness.deploy.model import DeployError


def test_references_from_every_form() -> None:
    value = {"A": {"Ref": "R1"}, "B": {"Fn::GetAtt": ["R2", "Arn"]}, "C": {"Fn::GetAtt": "R3.Arn"},
             "D": {"Fn::Sub": "${R4}-${R5.Arn}-${!Skip}-${AWS::Region}"},
             "E": {"Fn::Sub": ["${var}-${R6}", {"var": {"Ref": "R7"}}]},
             "F": [{"Fn::If": ["C", {"Ref": "R8"}, {"Ref": "AWS::NoValue"}]}],
             "G": {"Fn::GetAtt": ["R9", {"Ref": "P"}]}}
    assert references(value) == {"R1", "R2", "R3", "R4", "R5", "AWS::Region", "R6", "R7", "R8",
                                 "AWS::NoValue", "R9", "P"}


def _res(props: dict | None = None, **extra: object) -> dict:  # type: ignore[type-arg]
    return {"Type": "AWS::X::Y", "Properties": props or {}, **extra}


def test_order_follows_references_and_depends_on_then_template_order() -> None:
    resources = {
        "Fn": _res({"Role": {"Fn::GetAtt": ["Role", "Arn"]}, "T": {"Ref": "Table"}}),
        "Table": _res({"Name": {"Ref": "Param"}}),
        "Role": _res(DependsOn="Table"),
        "Loner": _res(),
    }
    graph = dependencies(resources, ["Param"], {})
    assert graph == {"Fn": {"Role", "Table"}, "Table": set(), "Role": {"Table"}, "Loner": set()}
    assert topological_order(graph, {}) == ["Table", "Loner", "Role", "Fn"]


def test_unknown_reference_and_depends_on_are_errors_with_location() -> None:
    where = {"A": "t.yaml:7"}
    with pytest.raises(DeployError, match=r"t.yaml:7: resource A refers to unknown resource or "
                                          r"parameter Ghost"):
        dependencies({"A": _res({"X": {"Ref": "Ghost"}})}, [], where)
    with pytest.raises(DeployError, match=r"t.yaml:7: resource A DependsOn unknown resource B"):
        dependencies({"A": _res(DependsOn=["B"])}, [], where)


def test_cycles_are_reported_with_their_path() -> None:
    resources = {"A": _res({"X": {"Ref": "B"}}), "B": _res({"X": {"Fn::Sub": "${C.Arn}"}}),
                 "C": _res(DependsOn="A"), "D": _res()}
    graph = dependencies(resources, [], {"A": "t.yaml:3"})
    with pytest.raises(DeployError, match=r"t.yaml:3: circular dependency between resources: "
                                          r"A -> B -> C -> A"):
        topological_order(graph, {"A": "t.yaml:3"})


def test_deployment_waits_for_every_method_of_its_api() -> None:
    resources = {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {}},
        "Dep": {"Type": "AWS::ApiGateway::Deployment", "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "RestApiId": {"Ref": "Api"}, "DeploymentId": {"Ref": "Dep"}, "StageName": "prod"}},
        "Res": {"Type": "AWS::ApiGateway::Resource", "Properties": {"RestApiId": {"Ref": "Api"}}},
        "Get": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Res"}}},
        "Auth": {"Type": "AWS::ApiGateway::Authorizer", "Properties": {
            "RestApiId": {"Ref": "Api"}}},
        "Plan": {"Type": "AWS::ApiGateway::UsagePlan", "Properties": {
            "ApiStages": [{"ApiId": {"Ref": "Api"}, "Stage": "prod"}]}},
    }
    assert api_members(resources) == {"Dep": ["Api", "Res", "Get", "Auth"]}
    assert implicit_edges(resources)["Plan"] == {"Stage"}
    order = topological_order(dependencies(resources, [], {}), {})
    assert order.index("Dep") > max(order.index(x) for x in ("Res", "Get", "Auth"))
    assert order.index("Plan") > order.index("Stage") > order.index("Dep")


@given(st.integers(min_value=1, max_value=12), st.data())
def test_random_dags_are_ordered_dependencies_first(n: int, data: st.DataObject) -> None:
    names = [f"R{i}" for i in range(n)]
    resources = {}
    for i, name in enumerate(names):
        deps = data.draw(st.lists(st.sampled_from(names[:i]), unique=True) if i else st.just([]))
        resources[name] = _res({"Refs": [{"Ref": d} for d in deps]})
    graph = dependencies(resources, [], {})
    order = topological_order(graph, {})
    assert sorted(order) == sorted(names)
    for name, deps in graph.items():
        assert all(order.index(d) < order.index(name) for d in deps)
