"""Reasons read off failing assertions, and the known causes they point to."""

from __future__ import annotations

from harness.fidelity.causes import CAUSES, REASON_CHARS, explain, extract_reason

SETUP_FAILURE = ('failed on setup with "harness.saas.onboard.OnboardError: register taa5b6095f6-platinum '
                 "(platinum) with POST /registration answered HTTP 502: {'message': 'provisioning failed "
                 "(500)', 'error': 'InternalCallFailed'}\"")


def test_a_setup_failure_reads_as_the_error_it_wraps_with_tenant_names_as_placeholders() -> None:
    reason = extract_reason(SETUP_FAILURE)
    assert reason.startswith("harness.saas.onboard.OnboardError: register <tenant:platinum> (platinum)")
    assert "failed on setup" not in reason and not reason.endswith('"')


def test_the_same_cause_in_two_runs_reads_the_same_whatever_the_ids_ports_and_pools() -> None:
    a = ("RuntimeError: creating a TenantUser in t08912b900c-basic answered 403 at http://127.0.0.1:4011 "
         "us-east-1_UX5Dq")
    b = ("RuntimeError: creating a TenantUser in t7eb85f5520-basic answered 403 at http://127.0.0.1:5902 "
         "us-east-1_87U7x")
    assert extract_reason(a) == extract_reason(b)
    assert "<user-pool>" in extract_reason(a) and "<port>" in extract_reason(a)


def test_only_the_first_line_is_kept_unless_it_is_terse_and_long_ones_are_cut() -> None:
    assert extract_reason("AssertionError: assert 403 == 200 for the owner\n  where 403 = resp.status") == \
        "AssertionError: assert 403 == 200 for the owner"
    assert extract_reason("AssertionError: /products\nassert 403 < 300\n+50 more") == \
        "AssertionError: /products | assert 403 < 300"
    assert len(extract_reason("x" * 1000)) == REASON_CHARS
    assert extract_reason("") == "(no message)"


def test_a_client_sent_api_key_is_the_cause_of_forbidden_tenant_requests() -> None:
    """With apiKeySource AUTHORIZER the key comes from the authorizer's usageIdentifierKey; a gateway that
    wants the client's x-api-key instead refuses signed-in tenants with 403 Forbidden.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-source.html"""
    for message in ("AssertionError: assert 403 == 200",
                    "RuntimeError: creating a TenantUser in t1-basic answered 403: {'message': 'Forbidden'}",
                    "AssertionError: create product answered 403 without 'id': {'message': 'Forbidden'}"):
        cause = explain(message)
        assert cause is not None and cause.id == "api-key-from-client", message


def test_silo_onboarding_failing_is_the_pipeline_not_403_even_when_both_could_match() -> None:
    """Silo onboarding starts the tenant pipeline (StartPipelineExecution); an endpoint whose CodePipeline
    never deploys the tenant template fails it, whatever status the gateway wraps it in.
    https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StartPipelineExecution.html"""
    cause = explain(SETUP_FAILURE + " answered 403 Forbidden")
    assert cause is not None and cause.id == "silo-pipeline-not-run"


def test_faults_the_endpoints_own_runtime_never_meets_and_unfiltered_usage_plans_are_named() -> None:
    """GetUsagePlans with keyId answers only the plans that key is bound to.
    https://docs.aws.amazon.com/apigateway/latest/api/API_GetUsagePlans.html"""
    crash = explain("no function crash made onboarding fail: it has no steps to undo")
    plans = explain("serverless-saas exposes no usage plans (SaasAdapter.usage_plan)")
    assert crash is not None and crash.id == "faults-not-reaching-endpoint"
    assert plans is not None and plans.id == "usage-plans-not-filtered-by-key"


def test_an_unrecognised_failure_has_no_known_cause() -> None:
    assert explain("AssertionError: /products") is None


def test_every_known_cause_cites_an_aws_doc_page_and_ids_are_unique() -> None:
    assert len({c.id for c in CAUSES}) == len(CAUSES)
    assert all(c.aws_doc.startswith("https://docs.aws.amazon.com/") for c in CAUSES)
