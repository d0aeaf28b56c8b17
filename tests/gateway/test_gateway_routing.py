"""Routing over the resource tree: static > {param} > {proxy+}, verb > ANY.

Docs: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
and https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-set-up-simple-proxy.html
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from harness.gateway.routing import Router

TREE = {
    "/": {"GET": "root"},
    "/pets": {"GET": "pets-get", "POST": "pets-post"},
    "/pets/{id}": {"GET": "pet-get"},
    "/pets/mine": {"GET": "pets-mine"},
    "/pets/{id}/toys/{toy}": {"ANY": "toy-any", "DELETE": "toy-delete"},
    "/{proxy+}": {"ANY": "catch-all"},
    "/files/{path+}": {"GET": "files"},
}
R = Router(TREE)


def served(path: str, verb: str = "GET") -> str | None:
    m = R.match(path, verb)
    return m.method if m else None


def test_static_segment_beats_param() -> None:
    assert served("/pets/mine") == "pets-mine"
    assert served("/pets/7") == "pet-get"


def test_param_value_and_template_reported() -> None:
    m = R.match("/pets/42/toys/ball", "PUT")
    assert m is not None
    assert m.resource_path == "/pets/{id}/toys/{toy}"
    assert m.path_params == {"id": "42", "toy": "ball"}
    assert m.method == "toy-any"


def test_exact_verb_beats_any() -> None:
    assert served("/pets/1/toys/x", "DELETE") == "toy-delete"
    assert served("/pets/1/toys/x", "PATCH") == "toy-any"


def test_greedy_proxy_catches_what_nothing_more_specific_takes() -> None:
    m = R.match("/a/b/c", "GET")
    assert m is not None and m.method == "catch-all"
    assert m.path_params == {"proxy": "a/b/c"}
    m = R.match("/files/x/y.txt", "GET")
    assert m is not None and m.method == "files" and m.path_params == {"path": "x/y.txt"}


def test_missing_verb_on_specific_resource_falls_back_to_proxy_any() -> None:
    # /pets has no PUT; the greedy ANY on the root serves it (LocalStack resolves the same way)
    m = R.match("/pets", "PUT")
    assert m is not None and m.method == "catch-all" and m.path_params == {"proxy": "pets"}


def test_root_resource_and_no_match() -> None:
    assert served("/") == "root"
    only_pets = Router({"/pets": {"GET": "p"}})
    assert only_pets.match("/cats", "GET") is None
    assert only_pets.match("/pets", "POST") is None
    assert only_pets.match("/", "GET") is None


def test_trailing_slash_is_ignored_and_empty_segments_do_not_match_params() -> None:
    assert served("/pets/") == "pets-get"
    only = Router({"/pets/{id}": {"GET": "p"}})
    assert only.match("/pets//", "GET") is None


def test_percent_encoded_segments_are_decoded_for_parameters() -> None:
    m = R.match("/pets/a%20b", "GET")
    assert m is not None and m.path_params == {"id": "a b"}


def test_greedy_needs_at_least_one_segment() -> None:
    only = Router({"/files/{path+}": {"GET": "f"}})
    assert only.match("/files", "GET") is None
    assert only.match("/files/a", "GET") is not None


@given(st.lists(st.text(alphabet="abcxyz0123", min_size=1, max_size=5), min_size=1, max_size=6))
def test_any_path_is_caught_by_a_root_proxy(segments: list[str]) -> None:
    router = Router({"/{proxy+}": {"ANY": "all"}})
    m = router.match("/" + "/".join(segments), "GET")
    assert m is not None and m.path_params["proxy"] == "/".join(segments)
