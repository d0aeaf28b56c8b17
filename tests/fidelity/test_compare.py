"""Per scenario, native gateway against harness data plane: verdicts, differing tests, reasons."""

from __future__ import annotations

from harness.fidelity.compare import compare_scenarios, group_reasons, main_job_reasons, verdict
from harness.runreport.junit import CaseResult, Outcome


def case(file: str, name: str, outcome: Outcome, message: str = "") -> CaseResult:
    return CaseResult(f"scenarios/{file}::{name}", f"scenarios/{file}", name, outcome, 0.1, message, 0)


S7 = "test_s7_authorizer_cache.py"
S10 = "test_s10_hostile_input.py"
S6 = "test_s6_throttling.py"


def test_a_scenario_passes_only_with_no_failure_and_at_least_one_pass() -> None:
    assert verdict([]) == "not run"
    assert verdict([case(S7, "a", "passed"), case(S7, "b", "skipped")]) == "pass"
    assert verdict([case(S7, "a", "skipped")]) == "skipped"
    assert verdict([case(S7, "a", "passed"), case(S7, "b", "error", "boom")]) == "fail"


def test_scenarios_come_in_numeric_order_with_their_titles() -> None:
    rows = compare_scenarios([case(S10, "a", "passed"), case(S7, "a", "passed")],
                             [case(S10, "a", "passed"), case(S7, "a", "passed")])
    assert [(r.suite, r.title) for r in rows] == [("S7", "authorizer cache"), ("S10", "hostile input")]
    assert not any(r.differs for r in rows)


def test_a_test_failing_only_on_the_native_gateway_is_a_difference_with_its_reason() -> None:
    harness = [case(S7, "warm", "passed"), case(S7, "cold", "passed")]
    native = [case(S7, "warm", "failed", "AssertionError: assert 403 == 200"), case(S7, "cold", "passed")]
    [row] = compare_scenarios(harness, native)
    assert row.differs and row.harness_verdict == "pass" and row.native_verdict == "fail"
    assert row.differing_tests == [f"scenarios/{S7}::warm"]
    [reason] = row.reasons
    assert reason.cause == "api-key-from-client" and reason.reasons == ["AssertionError: assert 403 == 200"]
    assert row.as_dict()["native"] == {"verdict": "fail", "passed": 1, "failed": 1, "error": 0, "skipped": 0}


def test_a_failure_on_both_gateways_is_no_difference_but_a_pass_only_natively_is() -> None:
    harness = [case(S10, "same", "failed", "AssertionError: x"),
               case(S10, "hfail", "failed", "AssertionError: y")]
    native = [case(S10, "same", "failed", "AssertionError: x"), case(S10, "hfail", "passed")]
    [row] = compare_scenarios(harness, native)
    assert row.differing_tests == [f"scenarios/{S10}::hfail"]
    assert row.reasons[0].reasons == ["AssertionError: y"]  # the side that did worse explains it


def test_skipped_natively_differs_and_the_skip_message_is_the_reason() -> None:
    [row] = compare_scenarios([case(S6, "quota", "passed")],
                              [case(S6, "quota", "skipped", "GetUsage is not implemented by this endpoint")])
    assert row.differs and row.native_verdict == "skipped"
    assert row.reasons[0].cause == "usage-plan-not-enforced"


def test_a_test_that_ran_on_one_gateway_only_is_a_difference() -> None:
    [row] = compare_scenarios([case(S7, "a", "passed"), case(S7, "b", "passed")], [case(S7, "a", "passed")])
    assert row.differing_tests == [f"scenarios/{S7}::b"]
    assert row.reasons[0].reasons == ["passed on one gateway only"]


def test_reasons_group_by_known_cause_with_every_distinct_text_and_biggest_first() -> None:
    groups = group_reasons([
        ("t1", "AssertionError: assert 403 == 200"),
        ("t2", "RuntimeError: creating a TenantUser in t5a4571c00a-basic answered 403: Forbidden"),
        ("t3", "RuntimeError: creating a TenantUser in t89a97f2bb2-basic answered 403: Forbidden"),
        ("t4", "AssertionError: /products"),
    ])
    assert [g.label for g in groups] == ["api-key-from-client", "AssertionError: /products"]
    assert groups[0].tests == ["t1", "t2", "t3"] and len(groups[0].reasons) == 2
    assert groups[1].cause is None and groups[1].explanation is None


def test_the_main_jobs_failures_group_by_step_without_the_tenant() -> None:
    [group] = main_job_reasons({"failures": [
        "t1-basic-1: create product: expected 201, got 403 {'message': 'Forbidden'}",
        "t2-basic-1: create product: expected 201, got 403 {'message': 'Forbidden'}",
        "t1-basic-1: list orders: expected 200, got 403 {'message': 'Forbidden'}"]})
    assert group.cause == "api-key-from-client" and group.tests == ["create product", "list orders"]


def test_tests_skipped_on_both_gateways_are_no_difference_but_keep_their_skip_reason() -> None:
    skip = "serverless-saas exposes no usage plans (SaasAdapter.usage_plan)"
    [row] = compare_scenarios([case(S6, "burst", "skipped", skip), case(S6, "rate", "passed")],
                              [case(S6, "burst", "skipped", skip), case(S6, "rate", "passed")])
    assert not row.differs and row.reasons == []
    [why] = row.skipped_on_both
    assert why.cause == "usage-plans-not-filtered-by-key" and why.tests == [f"scenarios/{S6}::burst"]
