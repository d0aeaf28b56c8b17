"""How tenants are shown: TenantDetails items without the API key value (it is the tenant's identity)."""

from __future__ import annotations

from typing import Any

HIDDEN = frozenset({"apiKey"})


def tenant_view(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in HIDDEN}
