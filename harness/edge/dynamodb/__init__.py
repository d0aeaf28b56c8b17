"""DynamoDB's request context for IAM: resources, leading keys, attributes, select, return values."""
