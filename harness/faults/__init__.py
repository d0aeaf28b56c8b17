"""Latency and fault models users inject per AWS operation and per function, off by default."""
