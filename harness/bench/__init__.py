"""`saas-harness bench ...`: speed targets measured in one run and written as JSON."""
