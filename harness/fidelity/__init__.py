"""The fidelity report: the isolation suites on an endpoint's own gateway beside the harness's data plane."""
