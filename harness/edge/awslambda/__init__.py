"""Lambda in the edge: keep deployed code, build runtime configs, run Invoke, check permissions."""
