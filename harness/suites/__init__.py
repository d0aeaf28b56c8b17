"""The isolation suites' foundation: the app adapter, its contract, pytest fixtures, an HTTP client."""
