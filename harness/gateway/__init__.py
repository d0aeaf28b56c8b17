"""API Gateway REST data plane: route, authorize, API key, throttle, quota, integrate, respond.

Config comes from what was deployed through the apigateway API (moto stores it); the gateway
runs what moto only stores: Lambda authorizers with their cache, usage-plan throttles and
quotas, Lambda proxy integrations and gateway responses.
"""

from harness.contracts import IamResult
from harness.gateway.gateway import Gateway
from harness.gateway.protocols import IamAuthorizer, IamResultLike, LambdaInvoker

__all__ = ["Gateway", "IamAuthorizer", "IamResult", "IamResultLike", "LambdaInvoker"]
