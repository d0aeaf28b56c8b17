"""Where a command runs: the embedded target, an external endpoint behind the front door, or a deployed stack."""
