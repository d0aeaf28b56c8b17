"""Product service: a tenant's products, sharded by tenant id, with the caller's scoped access."""

from __future__ import annotations

from typing import Any

from saas_common import business, observability, validation
from saas_common.http import dispatch

logger, metrics = observability.tools("ProductService")
FIELDS = frozenset({"name", "sku", "category", "price"})


def validate(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    """name and price required on create; PUT may change any subset, but at least one field."""
    validation.only_fields(body, FIELDS)
    fields = {
        "name": validation.text(body, "name", required=not partial, max_len=128),
        "sku": validation.text(body, "sku", required=False, max_len=64),
        "category": validation.text(body, "category", required=False, max_len=64),
        "price": validation.money(body, "price", required=not partial),
    }
    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields:
        raise validation.bad("nothing to update")
    return fields


ROUTES = business.make_routes("product", "productId", validate,
                              on_create=lambda: observability.count(metrics, "ProductCreated"))


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(event, ROUTES, logger)
