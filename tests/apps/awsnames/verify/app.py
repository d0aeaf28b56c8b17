"""Verifies a Cognito ID token against the pool's JWKS, fetched by the pool's AWS host name."""

import base64
import hashlib
import json
import os
import time
import urllib.request

REGION = os.environ["AWS_REGION"]
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{os.environ['POOL_ID']}"
# DER prefix of a PKCS#1 v1.5 SHA-256 DigestInfo (RFC 8017, section 9.2).
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def b64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwks():
    with urllib.request.urlopen(f"{ISSUER}/.well-known/jwks.json", timeout=10) as r:
        return json.loads(r.read())


def signature_ok(token, keys):
    head, payload, sig = token.split(".")
    kid = json.loads(b64(head))["kid"]
    key = next(k for k in keys["keys"] if k["kid"] == kid)
    n = int.from_bytes(b64(key["n"]), "big")
    e = int.from_bytes(b64(key["e"]), "big")
    size = (n.bit_length() + 7) // 8
    em = pow(int.from_bytes(b64(sig), "big"), e, n).to_bytes(size, "big")
    digest = hashlib.sha256(f"{head}.{payload}".encode()).digest()
    pad = b"\xff" * (size - len(SHA256_PREFIX) - len(digest) - 3)
    return em == b"\x00\x01" + pad + b"\x00" + SHA256_PREFIX + digest


def handler(event, context):
    token = (event.get("headers") or {}).get("Authorization", "")
    keys = jwks()
    claims = json.loads(b64(token.split(".")[1])) if token.count(".") == 2 else {}
    ok = (token.count(".") == 2 and signature_ok(token, keys) and claims.get("iss") == ISSUER
          and claims.get("token_use") == "id" and claims.get("exp", 0) > time.time())
    body = {"verified": ok, "kids": [k["kid"] for k in keys["keys"]],
            "username": claims.get("cognito:username") if ok else None}
    return {"statusCode": 200 if ok else 401, "body": json.dumps(body)}
