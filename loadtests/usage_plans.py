"""Locust users for `saas-harness load usage-plans`: a user class per tenant of the load plan.

By hand, against a running `saas-harness up`: `saas-harness load usage-plans --state .harness/state.json
--prepare-only` writes .harness/load-plan.json; then
`locust -f loadtests/usage_plans.py --headless -u N -r N -t 30s --csv out` (N: the users the plan lists).
"""

from harness.load.users import users_for

globals().update(users_for())
