"""Locust users for `saas-harness load authorizer-cache`: a user class per tenant of the load plan.

By hand, against a running `saas-harness up`: `saas-harness load authorizer-cache --state .harness/state.json
--prepare-only` writes .harness/load-plan.json; then
`locust -f loadtests/authorizer_cache.py --headless -u N -r N -t 30s --csv out` (N: the users the plan lists).
"""

from harness.load.users import users_for

globals().update(users_for())
