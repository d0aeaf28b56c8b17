"""A local CA and a loopback TLS listener, so code that insists on HTTPS (crhelper) reaches the harness."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import secrets
import socket
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.server import App, HarnessHTTPServer

_VALID = datetime.timedelta(days=30)
_DEBIAN_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def make_certificates(folder: Path, names: Sequence[str] = ()) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) for 127.0.0.1, localhost and `names`
    (AWS host names such as `*.us-east-1.amazonaws.com`), as PEM files."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    # A name of its own per target: several targets' CAs share one trust bundle in a process, and a
    # verifier picks the issuer by name, so two CAs called alike would fail each other's certificates.
    ca_name = _name(f"saas-harness local CA {secrets.token_hex(6)}")
    ca = (x509.CertificateBuilder().subject_name(ca_name)
          .issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - _VALID)
          .not_valid_after(now + _VALID)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    server = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
              .public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - _VALID).not_valid_after(now + _VALID)
              .add_extension(x509.SubjectAlternativeName([
                  x509.DNSName("localhost"), *(x509.DNSName(n) for n in names),
                  x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                  critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    os.chmod(paths[2], 0o600)
    return paths


def trust_bundle(ca: Path, folder: Path) -> Path:
    """SSL_CERT_FILE for Lambda workers (they inherit it): the local CA added to an earlier
    SSL_CERT_FILE (another target's, in this process) or else to the system's CAs."""
    bundle = folder / "bundle.pem"
    earlier = os.environ.get("SSL_CERT_FILE")
    system = ssl.get_default_verify_paths()
    base = ""
    for candidate in (earlier, system.cafile, _DEBIAN_BUNDLE, system.openssl_cafile):
        if candidate and Path(candidate).is_file() and Path(candidate) != bundle:
            base = candidate
            break
    head = Path(base).read_bytes().rstrip() + b"\n" if base else b""
    bundle.write_bytes(head + ca.read_bytes())
    return bundle


class TlsServer(HarnessHTTPServer):
    """The harness listener with TLS: each connection is wrapped (and handshaken) as it arrives."""

    def __init__(self, app: App, certificate: Path, key: Path) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(str(certificate), str(key))
        super().__init__(app, "127.0.0.1", 0)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        sock.settimeout(10)
        try:
            return self.context.wrap_socket(sock, server_side=True), address
        except (ssl.SSLError, OSError):
            sock.close()
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-handshake is not a harness error."""

    def shutdown_request(self, request: Any) -> None:
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_WR)
        self.close_request(request)
