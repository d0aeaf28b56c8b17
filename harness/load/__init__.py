"""Locust load tests against usage plans, noisy neighbours and the authorizer cache (`saas-harness load`)."""
