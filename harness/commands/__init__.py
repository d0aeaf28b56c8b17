"""The command implementations behind harness/cli.py, one module per command."""
