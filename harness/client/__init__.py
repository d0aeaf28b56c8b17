"""Clients of the SaaS under test, as a browser or tenant application would call it."""
