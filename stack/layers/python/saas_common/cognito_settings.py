"""User pool and app client settings: one definition for template pools and Platinum tenants' pools.

template.yaml spells the same values for the operations and pooled pools; a test keeps them equal.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

# custom:tenantId is immutable: set once by the control plane, never changed by anyone after.
# custom:userRole stays mutable for admins (AdminUpdateUserAttributes) but no client may write it.
SCHEMA: list[dict[str, Any]] = [
    {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
    {"Name": "tenantId", "AttributeDataType": "String", "Required": False, "Mutable": False,
     "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
    {"Name": "userRole", "AttributeDataType": "String", "Required": False, "Mutable": True,
     "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "32"}},
]

PASSWORD_POLICY: dict[str, Any] = {
    "MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True,
    "RequireNumbers": True, "RequireSymbols": True, "TemporaryPasswordValidityDays": 7,
}

POOL: dict[str, Any] = {
    "Policies": {"PasswordPolicy": PASSWORD_POLICY},
    "AutoVerifiedAttributes": ["email"],
    "UsernameConfiguration": {"CaseSensitive": False},
    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
    "Schema": SCHEMA,
}

CLIENT: dict[str, Any] = {
    "GenerateSecret": False,
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                          "ALLOW_REFRESH_TOKEN_AUTH"],
    "PreventUserExistenceErrors": "ENABLED",
    "IdTokenValidity": 60,
    "AccessTokenValidity": 60,
    "RefreshTokenValidity": 30,
    "TokenValidityUnits": {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"},
    "ReadAttributes": ["email", "email_verified", "custom:tenantId", "custom:userRole"],
    "WriteAttributes": ["email"],
}

_SYMBOLS = "!#$%&*+-=?@^_"


def generate_password(length: int = 20) -> str:
    """A random password that meets PASSWORD_POLICY (one of each class, the rest mixed)."""
    classes = [string.ascii_uppercase, string.ascii_lowercase, string.digits, _SYMBOLS]
    chars = [secrets.choice(c) for c in classes]
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)
