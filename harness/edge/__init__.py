"""The AWS front door: SigV4, principals, the IAM gate and service fidelity over an upstream."""
