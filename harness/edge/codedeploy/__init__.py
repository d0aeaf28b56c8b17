"""CodeDeploy for Lambda: traffic shifting of an alias on the virtual clock, and lifecycle hooks."""
