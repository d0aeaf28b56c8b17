"""The adapter contract run against the reference SaaS's adapter on an embedded target."""

from __future__ import annotations

from harness.suites.contract import (
    test_created_resource_is_readable_listed_and_stored_under_the_key_scheme,
    test_declarations_are_consistent,
    test_every_tier_onboards,
    test_internal_routes_exist_and_refuse_tenants,
    test_onboarding_gives_distinct_tenants_with_api_urls,
    test_provider_roles_sign_in,
    test_sign_in_gives_tokens_the_tenant_api_accepts,
    test_update_and_delete_routes_work,
)

__all__ = [
    "test_created_resource_is_readable_listed_and_stored_under_the_key_scheme",
    "test_declarations_are_consistent",
    "test_every_tier_onboards",
    "test_internal_routes_exist_and_refuse_tenants",
    "test_onboarding_gives_distinct_tenants_with_api_urls",
    "test_provider_roles_sign_in",
    "test_sign_in_gives_tokens_the_tenant_api_accepts",
    "test_update_and_delete_routes_work",
]
