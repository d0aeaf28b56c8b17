"""Tests of harness.runtime."""
