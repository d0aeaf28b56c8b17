"""CloudFormation on the edge: the stack API served by the harness's own deploy engine."""
