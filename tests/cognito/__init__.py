"""Tests of harness.edge.cognito: Cognito user-pool fidelity through the edge."""
