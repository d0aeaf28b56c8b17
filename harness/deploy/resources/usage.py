"""Usage plans, API keys and plan keys: throttles and quotas, kept in place so runtime keys survive."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.apigateway import escape_path, tag_map
from harness.deploy.resources.base import ALL, Context, Created, Provisioner, exists

_SVC = "apigateway"


def _throttle(spec: Any) -> dict[str, Any] | None:
    if not spec:
        return None
    out: dict[str, Any] = {}
    if spec.get("BurstLimit") is not None:
        out["burstLimit"] = int(spec["BurstLimit"])
    if spec.get("RateLimit") is not None:
        out["rateLimit"] = float(spec["RateLimit"])
    return out


def _quota(spec: Any) -> dict[str, Any] | None:
    if not spec:
        return None
    out: dict[str, Any] = {"limit": int(spec["Limit"]), "period": str(spec["Period"])}
    if spec.get("Offset") is not None:
        out["offset"] = int(spec["Offset"])
    return out


def _stages(props: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for stage in props.get("ApiStages") or []:
        item: dict[str, Any] = {"apiId": stage["ApiId"], "stage": stage["Stage"]}
        if stage.get("Throttle"):
            item["throttle"] = {path: _throttle(t) for path, t in stage["Throttle"].items()}
        out.append(item)
    return out


def _number(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def _normal(plan: dict[str, Any]) -> tuple[Any, ...]:
    """A usage plan reduced to what must match after an update (numbers normalised)."""
    def thr(t: Any) -> tuple[Any, ...]:
        t = t or {}
        return (int(t["burstLimit"]) if t.get("burstLimit") is not None else None,
                float(t["rateLimit"]) if t.get("rateLimit") is not None else None)

    quota = plan.get("quota") or {}
    stages = sorted((s["apiId"], s["stage"], tuple(sorted(
        (p, thr(t)) for p, t in (s.get("throttle") or {}).items())))
        for s in plan.get("apiStages") or [])
    return (plan.get("name"), plan.get("description") or None,
            thr(plan.get("throttle")) if plan.get("throttle") else None,
            (int(quota["limit"]), str(quota["period"]), int(quota.get("offset") or 0))
            if quota else None, tuple(stages))


class UsagePlan(Provisioner):
    """AWS::ApiGateway::UsagePlan: updated by patch; if the endpoint can't, replaced with keys moved."""

    type_name = "AWS::ApiGateway::UsagePlan"
    name_property = "UsagePlanName"
    name_max = 128
    attributes = frozenset({"Id"})
    handled = frozenset({"ApiStages", "Description", "Quota", "Throttle", "UsagePlanName", "Tags"})

    def _desired(self, props: dict[str, Any], name: str | None) -> dict[str, Any]:
        return {"name": name, "description": props.get("Description"),
                "apiStages": _stages(props), "throttle": _throttle(props.get("Throttle")),
                "quota": _quota(props.get("Quota"))}

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        plan = ctx.call(_SVC, "create_usage_plan", tags=tag_map(props.get("Tags")),
                        **self._desired(props, name))
        return Created(plan["id"], {"Id": plan["id"]})

    def _ops(self, old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        for key in ("name", "description"):
            if old.get(key) != new.get(key):
                ops.append({"op": "replace", "path": f"/{key}", "value": new.get(key) or ""})
        for key, fields in (("throttle", ("burstLimit", "rateLimit")),
                            ("quota", ("limit", "period", "offset"))):
            if old.get(key) == new.get(key):
                continue
            if not new.get(key):
                ops.append({"op": "remove", "path": f"/{key}"})
                continue
            ops += [{"op": "replace", "path": f"/{key}/{f}",
                     "value": str(new[key][f]) if f == "period" else _number(new[key][f])}
                    for f in fields if f in new[key]]
        before = {(s["apiId"], s["stage"]): s for s in old.get("apiStages") or []}
        after = {(s["apiId"], s["stage"]): s for s in new.get("apiStages") or []}
        ops += [{"op": "remove", "path": "/apiStages", "value": f"{a}:{s}"}
                for a, s in before if (a, s) not in after]
        ops += [{"op": "add", "path": "/apiStages", "value": f"{a}:{s}"}
                for a, s in after if (a, s) not in before]
        for (api, stage), item in after.items():
            old_thr = (before.get((api, stage)) or {}).get("throttle") or {}
            for path, thr in (item.get("throttle") or {}).items():
                if old_thr.get(path) == thr:
                    continue
                base = f"/apiStages/{api}:{stage}/throttle/{escape_path(path)}"
                ops += [{"op": "replace", "path": f"{base}/{f}", "value": _number(v)}
                        for f, v in (thr or {}).items()]
        return ops

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        plan_id = old.physical_id
        desired = self._desired(props, name)
        current = ctx.call(_SVC, "get_usage_plan", usagePlanId=plan_id)
        ops = self._ops(current, desired)
        if ops:
            try:
                ctx.call(_SVC, "update_usage_plan", usagePlanId=plan_id, patchOperations=ops)
            except ClientError as exc:
                ctx.note(f"{old.logical_id}: in-place usage plan update refused ({exc})")
        if _normal(ctx.call(_SVC, "get_usage_plan", usagePlanId=plan_id)) == _normal(desired):
            return Created(plan_id, dict(old.attributes))
        return self._replace(ctx, old, props, name)

    def _replace(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
                 name: str | None) -> Created:
        """Fallback for endpoints that cannot patch per-method throttles: new plan, same keys."""
        created = self.create(ctx, old.logical_id, props, name)
        keys = ctx.call(_SVC, "get_usage_plan_keys", usagePlanId=old.physical_id,
                        limit=500).get("items", [])
        for key in keys:
            ctx.call(_SVC, "create_usage_plan_key", usagePlanId=created.physical_id,
                     keyId=key["id"], keyType=key.get("type", "API_KEY"))
        self.delete(ctx, old)
        ctx.note(f"{old.logical_id}: usage plan replaced ({old.physical_id} -> "
                 f"{created.physical_id}, {len(keys)} keys carried over) because the endpoint "
                 "could not update it in place")
        return created

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        if not exists(ctx, _SVC, "get_usage_plan", usagePlanId=res.physical_id):
            return
        ctx.call(_SVC, "delete_usage_plan", usagePlanId=res.physical_id)


class ApiKey(Provisioner):
    """AWS::ApiGateway::ApiKey (disabled unless Enabled: true, as in CloudFormation)."""

    type_name = "AWS::ApiGateway::ApiKey"
    name_property = "Name"
    name_max = 1024
    immutable = frozenset({"Name", "Value", "GenerateDistinctId"})
    attributes = frozenset({"APIKeyId"})
    handled = frozenset({"Name", "Description", "Enabled", "Value", "StageKeys",
                         "GenerateDistinctId", "CustomerId", "Tags"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        stage_keys = [{"restApiId": s["RestApiId"], "stageName": s["StageName"]}
                      for s in props.get("StageKeys") or []]
        key = ctx.call(_SVC, "create_api_key", name=name, description=props.get("Description"),
                       enabled=props.get("Enabled", False), value=props.get("Value"),
                       stageKeys=stage_keys or None, customerId=props.get("CustomerId"),
                       generateDistinctId=props.get("GenerateDistinctId"),
                       tags=tag_map(props.get("Tags")))
        return Created(key["id"], {"APIKeyId": key["id"]})

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        ops = []
        for key, path in (("Description", "/description"), ("CustomerId", "/customerId")):
            if old.properties.get(key) != props.get(key):
                ops.append({"op": "replace", "path": path, "value": str(props.get(key) or "")})
        if old.properties.get("Enabled", False) != props.get("Enabled", False):
            enabled = str(props.get("Enabled", False)).lower() == "true"
            ops.append({"op": "replace", "path": "/enabled", "value": str(enabled).lower()})
        if ops:
            ctx.call(_SVC, "update_api_key", apiKey=old.physical_id, patchOperations=ops)
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        if not exists(ctx, _SVC, "get_api_key", apiKey=res.physical_id):
            return
        # AWS drops a deleted key from its usage plans; moto keeps the binding, so unbind first.
        plans = ctx.call(_SVC, "get_usage_plans", keyId=res.physical_id, limit=500)
        for plan in plans.get("items", []):
            if exists(ctx, _SVC, "get_usage_plan_key", usagePlanId=plan["id"],
                      keyId=res.physical_id):
                ctx.call(_SVC, "delete_usage_plan_key", usagePlanId=plan["id"],
                         keyId=res.physical_id)
        ctx.call(_SVC, "delete_api_key", apiKey=res.physical_id)


class UsagePlanKey(Provisioner):
    """AWS::ApiGateway::UsagePlanKey: binds a key to a plan; any change rebinds."""

    type_name = "AWS::ApiGateway::UsagePlanKey"
    immutable = ALL
    attributes = frozenset({"Id"})
    handled = frozenset({"KeyId", "KeyType", "UsagePlanId"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        try:
            ctx.call(_SVC, "create_usage_plan_key", usagePlanId=props["UsagePlanId"],
                     keyId=props["KeyId"], keyType=props.get("KeyType", "API_KEY"))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConflictException":
                raise
        return Created(str(props["KeyId"]), {"Id": props["KeyId"]})

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        key = {"usagePlanId": res.properties["UsagePlanId"], "keyId": res.physical_id}
        if exists(ctx, _SVC, "get_usage_plan_key", **key):
            ctx.call(_SVC, "delete_usage_plan_key", **key)
