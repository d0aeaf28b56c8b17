"""docs/examples/notes_adapter.py, the worked example: it meets the contract, driving the notes SAM app
deployed on an embedded target, and the contract catches an adapter that declares its keys wrong."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.suites.adapter import KeyScheme, ResourceSpec, Route, SaasAdapter
from harness.suites.contract import declaration_problems
from tests.suites.test_plugin import run_pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def notes_adapter() -> type[SaasAdapter]:
    sys.path.insert(0, str(EXAMPLES))
    try:
        import notes_adapter
    finally:
        sys.path.remove(str(EXAMPLES))
    cls: type[SaasAdapter] = notes_adapter.NotesAdapter
    return cls


def test_the_example_declares_a_consistent_adapter(notes_adapter: type[SaasAdapter]) -> None:
    assert issubclass(notes_adapter, SaasAdapter)
    assert declaration_problems(notes_adapter()) == []


def test_the_example_passes_the_contract_against_the_notes_app(tmp_path: Path) -> None:
    rc, out = run_pytest(tmp_path, "from harness.suites.contract import *  # noqa: F403\n",
                         "--saas-adapter", "notes_adapter:NotesAdapter", env={"PYTHONPATH": _path()})
    assert rc == 0, out
    assert "8 passed" in out


def test_the_contract_fails_an_adapter_whose_key_scheme_is_wrong(tmp_path: Path) -> None:
    rc, out = run_pytest(tmp_path, "from harness.suites.contract import *  # noqa: F403\n",
                         "--saas-adapter", "wrong_keys:WrongKeys", env={"PYTHONPATH": _path(tmp_path)},
                         files={"wrong_keys.py": '''
        from harness.suites.adapter import KeyScheme, RawTable
        from notes_adapter import NotesAdapter

        class WrongKeys(NotesAdapter):
            def raw_tables(self, tenant):
                return (RawTable("Notes", self.outputs["NotesTable"], "tenantId", "noteId",
                                 KeyScheme("{tenant_id}-{shard}", ("1", "2")), shared=True),)
        '''})
    assert rc == 1, out
    assert "1 failed, 7 passed" in out
    assert "test_created_resource_is_readable_listed_and_stored_under_the_key_scheme" in out


def _path(*extra: Path) -> str:
    import os

    repo = EXAMPLES.parents[1]
    return os.pathsep.join([*map(str, extra), str(EXAMPLES), str(repo)])


def test_declaration_problems_name_each_inconsistency() -> None:
    bad = ResourceSpec("thing", create=Route("POST", "/things/{id}"), read=Route("GET", "/things/{key}"),
                       update=Route("PUT", "/things/{id}"), delete=Route("DELETE", "/things/{id}"),
                       list=Route("GET", "/things"), table="", sample={"n": 1})

    class Bad(SaasAdapter):
        def attach(self, target: object) -> None: ...  # type: ignore[override]
        def onboard(self, tier: str, name: str | None = None) -> object: ...  # type: ignore[override]
        def sign_in(self, tenant: object, role: str) -> object: ...  # type: ignore[override]
        def resources(self) -> tuple[ResourceSpec, ...]:
            return (bad,)
        def raw_tables(self, tenant: object) -> tuple[()]:  # type: ignore[override]
            return ()

    problems = declaration_problems(Bad())
    assert "no tiers declared" in problems
    assert any("no tenant role that may write" in p for p in problems)
    assert any("thing.read /things/{key} lacks {id}" in p for p in problems)
    assert any("thing.create must not take the resource id" in p for p in problems)
    assert any("no raw table" in p for p in problems)
    assert any("no string field" in p for p in problems)


def test_key_scheme_partitions_and_exact_membership() -> None:
    sharded = KeyScheme("{tenant_id}-{shard}", ("1", "2"))
    assert sharded.partitions("ab") == ("ab-1", "ab-2")
    assert sharded.belongs("ab", "ab-2") and not sharded.belongs("a", "ab-2")
    assert not sharded.belongs("ab", "ab-3") and KeyScheme().partitions("x") == ("x",)


def test_route_urls_encode_parameters_and_refuse_missing_ones() -> None:
    route = Route("GET", "/product/{id}")
    assert route.params == ("id",)
    assert route.url("http://h/api/", id="a/b?c") == "http://h/api/product/a%2Fb%3Fc"
    with pytest.raises(KeyError, match="needs id"):
        route.url("http://h")
