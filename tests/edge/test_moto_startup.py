"""moto's bundled Cognito key is imported once, when moto signs with it, and still signs as before.

harness/edge/moto_startup.py defers moto's per-pool import of its one bundled RSA key. These tests
use moto's real Cognito backend: pools made after the edge starts hold no imported key, every pool
that reads it gets the same key object, and a token moto signs itself still verifies against the
public JWKS moto bundles beside it.
"""

from __future__ import annotations

import uuid

from joserfc import jwk, jwt
from moto.cognitoidp.models import CognitoIdpUserPool, cognitoidp_backends
from moto.utilities.utils import load_resource

from harness.edge import moto_startup
from harness.edge.upstream import InProcessMoto

ACCOUNT, REGION = "123456789012", "us-east-1"


def _backend() -> object:
    InProcessMoto(REGION, ACCOUNT)  # installs the deferral, as the embedded target does
    return cognitoidp_backends[ACCOUNT][REGION]


def test_a_new_pool_holds_no_imported_key_until_moto_reads_it() -> None:
    _backend()
    pool = CognitoIdpUserPool(ACCOUNT, REGION, f"p-{uuid.uuid4().hex[:8]}", {})
    assert "RSAKey" not in type(pool.__dict__["_harness_json_web_key"]).__name__
    assert type(pool.json_web_key).__name__ == "RSAKey"


def test_every_pool_shares_one_imported_key() -> None:
    _backend()
    pools = [CognitoIdpUserPool(ACCOUNT, REGION, f"p-{uuid.uuid4().hex[:8]}", {}) for _ in range(3)]
    keys = {id(p.json_web_key) for p in pools}
    assert len(keys) == 1


def test_tokens_moto_signs_itself_still_verify_with_its_bundled_public_keys() -> None:
    backend = _backend()
    pool = backend.create_user_pool(f"deferred-{uuid.uuid4().hex[:8]}", {})  # type: ignore[attr-defined]
    client = backend.create_user_pool_client(pool.id, False, {"ClientName": "app"})  # type: ignore[attr-defined]
    backend.admin_create_user(pool.id, "alice", "SUPPRESS", "Passw0rd!x", [])  # type: ignore[attr-defined]
    token, _ = pool.create_jwt(client.id, "alice", "access")
    public = jwk.KeySet.import_key_set(load_resource("cognitoidp/resources/jwks-public.json"))
    claims = jwt.decode(token, public).claims
    assert claims["username"] == "alice" and claims["token_use"] == "access"


def test_installing_twice_wraps_once() -> None:
    import moto.cognitoidp.models as models

    moto_startup.defer_bundled_cognito_key()
    first = getattr(models, "jwk")  # noqa: B009 (not re-exported by moto)
    moto_startup.defer_bundled_cognito_key()
    assert getattr(models, "jwk") is first  # noqa: B009
    assert not isinstance(first.RSAKey._real, type(first.RSAKey))  # type: ignore[attr-defined]


def test_moto_reads_models_through_one_loader_that_keeps_its_extras() -> None:
    import moto.core.utils as utils
    from moto.core.loaders import Loader as MotoLoader

    _backend()
    moto_startup.share_moto_loader()
    first, second = utils.create_loader(), utils.create_loader()  # type: ignore[attr-defined]
    assert first is second and isinstance(first, MotoLoader)
    assert utils.get_service_model("dynamodb").operation_model("GetItem").name == "GetItem"
