"""Where a command runs: the embedded target, an endpoint behind the front door, or a deployed stack."""
