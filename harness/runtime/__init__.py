"""Lambda execution environments as worker subprocesses, run the way the Lambda service runs them.

Each environment is one `python -I -S -u bootstrap.py` process (a stand-alone runtime client that
never imports `harness`; no site-packages, so code sees only itself, its layers and the SDK folder
of provided.py) serving one invocation at a time, reused warm for the same function version and
configuration, and killed on timeout, crash, idleness, flush or shutdown.

Credentials: every environment receives its execution role's session (from the CredentialsProvider,
which the harness wires to a real STS AssumeRole) once, at start, in AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Real Lambda keeps an environment's credentials valid
for the environment's whole lifetime; our sessions expire on the virtual clock instead, so before a
warm environment is reused, if its session expires (clock.now()) within the function timeout + 60 s,
the environment is retired and a fresh one starts with new credentials (a cold start).

Throttling: when max_environments are all busy and none is idle to evict, invoke() waits up to
queue_timeout_s for one to free up, then returns status_code 429, function_error None and a
TooManyRequestsException body ({"__type": "TooManyRequestsException", "Reason":
"ConcurrentInvocationLimitExceeded", ...}) for the API layer to send as the HTTP error.
"""

from harness.runtime.runtime import Runtime, RuntimeClosed
from harness.runtime.types import (
    CredentialsProvider,
    FunctionConfig,
    InvokeResult,
    LayerCode,
    SessionCredentials,
)

__all__ = [
    "CredentialsProvider",
    "FunctionConfig",
    "InvokeResult",
    "LayerCode",
    "Runtime",
    "RuntimeClosed",
    "SessionCredentials",
]
