"""The report of `saas-harness run`: the suites' JUnit XML and repros, as markdown, JSON, JUnit."""
