"""The TLS listener for AWS host names: what workers reach by `https://*.amazonaws.com`.

It serves the same dispatcher as the plain listener (harness/app.py), so the Host header decides:
`<apiId>.execute-api.<region>.amazonaws.com` goes to the gateway, every other name (service
endpoints, `cognito-idp.<region>.amazonaws.com` and its JWKS) to the edge. Its certificate is
issued by the target's local CA for the names of `harness/runtime/names.py`.
"""

from __future__ import annotations

from pathlib import Path

from harness.edge.cloudformation.tls import TlsServer
from harness.runtime.names import AwsNames
from harness.server import App


class AwsNameListener:
    """A loopback HTTPS listener of the harness app, and the AwsNames workers are given for it."""

    def __init__(self, app: App, region: str, http_port: int, ca_file: Path, bundle: Path,
                 certificate: Path, key: Path) -> None:
        self.server = TlsServer(app, certificate, key)
        self.names = AwsNames(region=region, https_port=self.server.port, http_port=http_port,
                              ca_file=ca_file, bundle=bundle)

    def start(self) -> AwsNameListener:
        self.server.serve_in_thread()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.server.port}"
