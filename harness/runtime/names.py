"""AWS host names inside workers: which names the harness serves, where they go, what CA to trust.

Function code calls `https://cognito-idp.<region>.amazonaws.com/...`, its own API by
`https://<apiId>.execute-api.<region>.amazonaws.com/...` or builds SDK clients for
`https://dynamodb.<region>.amazonaws.com`. Without root or DNS changes, each worker's bootstrap
resolves exactly these names to the harness's TLS listener (port 443) or plain listener (port 80);
every other name resolves as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Global endpoints of services the edge serves without a region in the name (sts, iam, ...).
GLOBAL_SERVICES = ("sts", "iam", "organizations", "route53", "cloudfront")


def name_patterns(region: str) -> list[str]:
    """Regular expressions (Python and JavaScript alike) for the host names the harness serves."""
    r = re.escape(region)
    return [
        rf"[a-z0-9]{{1,32}}\.execute-api\.{r}\.amazonaws\.com",
        rf"[a-z0-9-]{{1,63}}\.{r}\.amazonaws\.com",
        rf"(?:{'|'.join(GLOBAL_SERVICES)})\.amazonaws\.com",
    ]


def certificate_names(region: str) -> list[str]:
    """The certificate's DNS names covering every served name (a wildcard spans one label)."""
    return [f"*.execute-api.{region}.amazonaws.com", f"*.{region}.amazonaws.com", "*.amazonaws.com"]


def is_served(host: str, region: str) -> bool:
    """What a worker's resolver decides for one host name (the bootstraps apply the same patterns)."""
    name = host.lower().rstrip(".")
    return any(re.fullmatch(p, name) for p in name_patterns(region))


@dataclass(frozen=True)
class AwsNames:
    """Where served names lead (loopback ports) and the CA files that make their TLS trusted."""

    region: str
    https_port: int
    http_port: int
    ca_file: Path  # the local CA alone (NODE_EXTRA_CA_CERTS adds it to Node's own roots)
    bundle: Path  # the local CA with the system's CAs (OpenSSL-based clients replace their roots)

    def setup(self) -> dict[str, object]:
        """The `names` member of the worker's setup frame."""
        return {"patterns": name_patterns(self.region), "https": self.https_port, "http": self.http_port}

    def env(self, node: bool) -> dict[str, str]:
        """Trust variables: OpenSSL (urllib), requests, botocore for Python; Node's extra CAs."""
        if node:
            return {"NODE_EXTRA_CA_CERTS": str(self.ca_file)}
        bundle = str(self.bundle)
        return {"SSL_CERT_FILE": bundle, "REQUESTS_CA_BUNDLE": bundle, "AWS_CA_BUNDLE": bundle}
