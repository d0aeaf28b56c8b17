"""Order service: a tenant's orders, sharded by tenant id, with the caller's scoped access."""

from __future__ import annotations

from typing import Any

from saas_common import business, observability, validation
from saas_common.http import dispatch

logger, metrics = observability.tools("OrderService")
FIELDS = frozenset({"orderName", "orderProducts"})
LINE_FIELDS = frozenset({"productId", "quantity", "price"})
MAX_LINES = 50


def order_lines(value: object) -> list[dict[str, Any]]:
    """orderProducts: 1..50 lines of {productId, quantity, price}."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LINES:
        raise validation.bad(f"orderProducts must be a list of 1 to {MAX_LINES} lines")
    lines = []
    for line in value:
        if not isinstance(line, dict):
            raise validation.bad("each order line must be an object")
        validation.only_fields(line, LINE_FIELDS)
        lines.append({
            "productId": validation.text(line, "productId", max_len=128),
            "quantity": validation.count(line.get("quantity"), "quantity"),
            "price": validation.money(line, "price"),
        })
    return lines


def validate(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    validation.only_fields(body, FIELDS)
    fields: dict[str, Any] = {
        "orderName": validation.text(body, "orderName", required=not partial, max_len=128),
    }
    if "orderProducts" in body or not partial:
        fields["orderProducts"] = order_lines(body.get("orderProducts"))
    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields:
        raise validation.bad("nothing to update")
    return fields


ROUTES = business.make_routes("order", "orderId", validate,
                              on_create=lambda: observability.count(metrics, "OrderCreated"))


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dispatch(event, ROUTES, logger)
