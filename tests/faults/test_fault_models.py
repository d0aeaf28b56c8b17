"""Fault plans as users write them: every problem reported at once; seeded, first-match decisions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from harness.faults.config import build
from harness.faults.models import FaultConfigError, Latency, parse_config, parse_specs, spec_to_dict
from harness.faults.plan import FaultPlan, draw_latency


def test_compact_rules_turn_into_the_json_form() -> None:
    assert spec_to_dict("sts:AssumeRole latency=fixed:200ms") == {
        "match": "sts:AssumeRole", "latency": {"kind": "fixed", "ms": 200.0}}
    assert spec_to_dict("dynamodb:* error=throttle:0.25 latency=uniform:10ms:1s") == {
        "match": "dynamodb:*", "error": {"kind": "throttle", "rate": 0.25},
        "latency": {"kind": "uniform", "min_ms": 10.0, "max_ms": 1000.0}}
    assert spec_to_dict("cognito-idp:jwks error=timeout:1:2s")["error"] == {
        "kind": "timeout", "rate": 1.0, "hold_s": 2.0}
    assert spec_to_dict("function:*Authorizer* lambda=oom:0.5") == {
        "match": "function:*Authorizer*", "lambda": {"kind": "oom", "rate": 0.5}}


def test_every_problem_of_a_plan_is_reported_together() -> None:
    with pytest.raises(FaultConfigError) as info:
        parse_config({"seed": "x", "rules": [
            {"match": "sts:AssumeRole", "error": {"kind": "explode"}},
            {"match": "no colon here", "latency": {"kind": "fixed", "ms": 5}},
            {"match": "dynamodb:*", "latency": {"kind": "uniform", "min_ms": 9, "max_ms": 1}},
            {"match": "function:f", "error": {"kind": "throttle"}},
            {"match": "lambda:Invoke", "lambda": {"kind": "crash", "rate": 2}},
            {"match": "sts:*"},
            {"match": "sts:*", "latency": {"kind": "fixed", "ms": 5}, "colour": "red"},
        ]})
    problems = info.value.problems
    assert any("seed" in p for p in problems)
    assert any("rules[0].error.kind" in p for p in problems)
    assert any("rules[1].match" in p for p in problems)
    assert any("min_ms 9 is above max_ms 1" in p for p in problems)
    assert any("rules[3]" in p and "not 'error'" in p for p in problems)
    assert any("rules[4].lambda.rate" in p for p in problems)
    assert any("rules[4]" in p and "function:<name>" in p for p in problems)
    assert any("rules[5]" in p and "neither" in p for p in problems)
    assert any("unknown field 'colour'" in p for p in problems)


def test_bad_command_line_rules_are_all_reported() -> None:
    with pytest.raises(FaultConfigError) as info:
        parse_specs(["sts:AssumeRole latency=fixed:soon", "dynamodb:* wobble=1", "lambda:Invoke error=zap"])
    text = str(info.value)
    assert "'soon' is not a duration" in text and "'wobble=1'" in text and "zap" in text


def test_the_first_matching_rule_decides() -> None:
    plan = FaultPlan(parse_specs(["dynamodb:GetItem latency=fixed:5ms", "dynamodb:* error=server"]))
    get = plan.for_call("dynamodb", "GetItem")
    put = plan.for_call("dynamodb", "PutItem")
    assert get is not None and get.delay_s == 0.005 and get.error is None
    assert put is not None and put.error is not None and put.error.kind == "server"
    assert plan.for_call("sts", "AssumeRole") is None
    assert plan.for_function("anything") is None


def test_function_rules_match_function_names_only() -> None:
    plan = FaultPlan(parse_specs(["function:tenant-*-authorizer lambda=crash"]))
    hit = plan.for_function("tenant-7-authorizer")
    assert hit is not None and hit.function is not None and hit.function.kind == "crash"
    assert plan.for_function("pooled-items") is None
    assert plan.for_call("lambda", "Invoke") is None


def test_rates_are_drawn_from_the_seed_so_a_plan_repeats() -> None:
    def draws(seed: int) -> list[bool]:
        plan = FaultPlan(parse_specs(["dynamodb:* error=throttle:0.3"], seed=seed))
        return [plan.for_call("dynamodb", "Query").error is not None for _ in range(400)]  # type: ignore[union-attr]

    first = draws(7)
    assert first == draws(7)
    assert first != draws(8)
    assert 0.2 < sum(first) / len(first) < 0.4


def test_replacing_a_plan_restarts_its_random_stream() -> None:
    plan = FaultPlan(parse_specs(["sts:* latency=uniform:0ms:100ms"], seed=3))
    a = [plan.for_call("sts", "AssumeRole").delay_s for _ in range(5)]  # type: ignore[union-attr]
    plan.replace(parse_specs(["sts:* latency=uniform:0ms:100ms"], seed=3))
    assert a == [plan.for_call("sts", "AssumeRole").delay_s for _ in range(5)]  # type: ignore[union-attr]


def test_lognormal_latency_has_its_median_and_is_capped() -> None:
    rng = random.Random(1)
    samples = sorted(draw_latency(Latency("lognormal", median_ms=200, sigma=0.5), rng) for _ in range(2001))
    assert 0.18 < samples[1000] < 0.22
    assert draw_latency(Latency("fixed", ms=10_000_000), rng) == 60.0


def test_metrics_count_matches_delays_and_injected_errors() -> None:
    plan = FaultPlan(parse_specs(["sts:AssumeRole latency=fixed:10ms error=throttle"]))
    for _ in range(3):
        plan.for_call("sts", "AssumeRole")
    seen = plan.metrics()["by_call"]["sts:AssumeRole"]
    assert seen == {"matched": 3, "delayed": 3, "error.throttle": 3, "added_latency_s": 0.03}


def test_a_plan_file_in_yaml_and_rules_from_the_command_line_merge(tmp_path: Path) -> None:
    f = tmp_path / "faults.yaml"
    f.write_text("seed: 4\nrules:\n  - match: 'sts:AssumeRole'\n    latency: {kind: fixed, ms: 200}\n")
    config = build(str(f), ["dynamodb:* error=unavailable:0.5"], None)
    assert config is not None and config.seed == 4
    assert [r.match for r in config.rules] == ["sts:AssumeRole", "dynamodb:*"]
    assert build(None, None, None) is None


def test_a_missing_or_broken_plan_file_is_reported_with_the_rule_problems(tmp_path: Path) -> None:
    bad = tmp_path / "faults.json"
    bad.write_text("{not json")
    with pytest.raises(FaultConfigError) as info:
        build(str(bad), ["sts:* latency=fixed:x"], None)
    assert len(info.value.problems) >= 2
    with pytest.raises(FaultConfigError, match="No such file"):
        build(str(tmp_path / "absent.json"), None, None)
