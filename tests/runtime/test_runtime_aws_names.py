"""Which AWS host names a worker resolves to the harness, and how the bootstrap's resolver hook maps them.

AWS endpoints: https://docs.aws.amazon.com/general/latest/gr/rande.html (regional endpoints are
`<service>.<region>.amazonaws.com`; STS and IAM have global `<service>.amazonaws.com` names) and
https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-call-api.html
(`{restapi_id}.execute-api.{region}.amazonaws.com`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509

from harness.edge.cloudformation.tls import make_certificates
from harness.runtime.names import AwsNames, certificate_names, is_served
from harness.runtime.worker import BOOTSTRAP

SERVED = ("cognito-idp.us-east-1.amazonaws.com", "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
          "dynamodb.us-east-1.amazonaws.com", "STS.US-EAST-1.AMAZONAWS.COM.", "sts.amazonaws.com",
          "iam.amazonaws.com", "lambda.us-east-1.amazonaws.com")
NOT_SERVED = ("example.com", "localhost", "bucket.s3.us-east-1.amazonaws.com",
              "dynamodb.eu-west-1.amazonaws.com", "a1b2.execute-api.eu-west-1.amazonaws.com",
              "amazonaws.com", "evil-amazonaws.com", "cognito-idp.us-east-1.amazonaws.com.evil.net",
              "s3.amazonaws.com.example")


@pytest.mark.parametrize("host", SERVED)
def test_service_cognito_and_execute_api_names_of_the_region_are_served(host: str) -> None:
    """The target's region's service, Cognito and execute-api names, and global STS/IAM, are served."""
    assert is_served(host, "us-east-1")


@pytest.mark.parametrize("host", NOT_SERVED)
def test_other_names_resolve_as_usual(host: str) -> None:
    """Names of other regions, virtual-hosted S3 buckets and look-alikes are never redirected."""
    assert not is_served(host, "us-east-1")


def test_the_certificate_names_cover_every_served_name(tmp_path: Path) -> None:
    """The server certificate carries the wildcard SANs (each spans one label) for the served names."""
    _, cert_path, _ = make_certificates(tmp_path, certificate_names("us-east-1"))
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = set(sans.get_values_for_type(x509.DNSName))
    assert {"localhost", "*.us-east-1.amazonaws.com", "*.execute-api.us-east-1.amazonaws.com",
            "*.amazonaws.com"} <= names


def _resolve_in_worker(names: AwsNames, lookups: list[tuple[str, object]]) -> list[object]:
    """Run the bootstrap's hook in a fresh `python -I -S` (as workers start) and resolve each name."""
    script = (
        "import json, socket, sys\n"
        f"sys.path.insert(0, {str(BOOTSTRAP.parent)!r})\n"
        "import aws_names\n"
        f"aws_names.install_aws_names(json.loads({json.dumps(json.dumps(names.setup()))}))\n"
        "out = []\n"
        f"for host, port in json.loads({json.dumps(json.dumps(lookups))}):\n"
        "    try:\n"
        "        out.append(list(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][:2]))\n"
        "    except socket.gaierror:\n"
        "        out.append('unresolved')\n"
        "print(json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    result: list[object] = json.loads(done.stdout)
    return result


def test_the_worker_hook_sends_served_names_to_the_harness_ports_and_leaves_others(tmp_path: Path) -> None:
    """443 goes to the TLS listener, 80 to the plain one, any other port to loopback unchanged;
    unserved names resolve as the system resolves them."""
    names = AwsNames("us-east-1", https_port=40443, http_port=40080, ca_file=tmp_path / "ca.pem",
                     bundle=tmp_path / "bundle.pem")
    got = _resolve_in_worker(names, [
        ("cognito-idp.us-east-1.amazonaws.com", 443), ("dynamodb.us-east-1.amazonaws.com", "https"),
        ("sts.amazonaws.com", 80), ("abc123.execute-api.us-east-1.amazonaws.com", "8443"),
        ("localhost", 443), ("bucket.s3.us-east-1.amazonaws.com.invalid", 443)])
    assert got == [["127.0.0.1", 40443], ["127.0.0.1", 40443], ["127.0.0.1", 40080],
                   ["127.0.0.1", 8443], [got[4][0], 443], "unresolved"]  # type: ignore[index]


def test_workers_are_told_which_ca_to_trust(tmp_path: Path) -> None:
    """Python clients read SSL_CERT_FILE (OpenSSL), REQUESTS_CA_BUNDLE and AWS_CA_BUNDLE (botocore);
    Node adds NODE_EXTRA_CA_CERTS to its own roots."""
    names = AwsNames("us-east-1", 1, 2, tmp_path / "ca.pem", tmp_path / "bundle.pem")
    bundle = str(tmp_path / "bundle.pem")
    assert names.env(node=False) == {"SSL_CERT_FILE": bundle, "REQUESTS_CA_BUNDLE": bundle,
                                     "AWS_CA_BUNDLE": bundle}
    assert names.env(node=True) == {"NODE_EXTRA_CA_CERTS": str(tmp_path / "ca.pem")}
