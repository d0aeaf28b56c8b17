"""AWS host names inside a Python worker, installed by bootstrap.py; it never imports `harness`."""

from __future__ import annotations

import re
import socket
from typing import Any


def install_aws_names(spec: dict[str, Any] | None) -> None:
    """Resolve the AWS host names the harness serves to its loopback listeners (443: TLS, 80: HTTP).

    Only socket.getaddrinfo changes, so the TLS client still sends and verifies the AWS name;
    every name outside the patterns resolves as before.
    """
    if not spec:
        return
    patterns = [re.compile(p) for p in spec["patterns"]]
    ports = {443: int(spec["https"]), 80: int(spec["http"])}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else host
        if isinstance(name, str) and any(p.fullmatch(name.lower().rstrip(".")) for p in patterns):
            number = {"https": 443, "http": 80}.get(port, port) if isinstance(port, str) else port
            try:
                number = int(number) if number is not None else 443
            except ValueError:
                return real(host, port, *args, **kwargs)
            return real("127.0.0.1", ports.get(number, number), *args, **kwargs)
        return real(host, port, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo

