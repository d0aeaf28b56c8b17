"""AWS::S3::Bucket and AWS::S3::BucketPolicy, stored through S3's API (objects are the app's own)."""

from __future__ import annotations

import json
from typing import Any

from harness.deploy.model import PhysicalResource
from harness.deploy.resources.base import Context, Created, Provisioner, delete_if_present


def bucket_attributes(ctx: Context, name: str) -> dict[str, Any]:
    """GetAtt values as aws-resource-s3-bucket.html#aws-resource-s3-bucket-return-values lists them."""
    return {"Arn": f"arn:{ctx.partition}:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
            "DualStackDomainName": f"{name}.s3.dualstack.{ctx.region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{ctx.region}.amazonaws.com"}


class Bucket(Provisioner):
    """A bucket (Ref is its name); generated names are lower case, as S3 requires."""

    type_name = "AWS::S3::Bucket"
    name_property = "BucketName"
    name_max = 63
    unique_name = True
    immutable = frozenset({"BucketName"})
    attributes = frozenset({"Arn", "DomainName", "RegionalDomainName", "DualStackDomainName",
                            "WebsiteURL"})
    ignored = frozenset({"Tags"})

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        bucket = str(name if props.get("BucketName") else str(name).lower())
        config = ({"LocationConstraint": ctx.region} if ctx.region != "us-east-1" else None)
        ctx.call("s3", "create_bucket", Bucket=bucket, CreateBucketConfiguration=config)
        if props.get("VersioningConfiguration"):
            ctx.call("s3", "put_bucket_versioning", Bucket=bucket,
                     VersioningConfiguration={"Status": props["VersioningConfiguration"].get(
                         "Status", "Enabled")})
        return Created(bucket, bucket_attributes(ctx, bucket))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        if props.get("VersioningConfiguration") != old.properties.get("VersioningConfiguration") \
                and props.get("VersioningConfiguration"):
            ctx.call("s3", "put_bucket_versioning", Bucket=old.physical_id,
                     VersioningConfiguration={"Status": props["VersioningConfiguration"].get(
                         "Status", "Enabled")})
        return Created(old.physical_id, dict(old.attributes))

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        # As on AWS, a bucket that still holds objects cannot be deleted (BucketNotEmpty).
        delete_if_present(ctx, "s3", "delete_bucket", Bucket=res.physical_id)


class BucketPolicy(Provisioner):
    """The bucket's policy document; a different Bucket replaces it."""

    type_name = "AWS::S3::BucketPolicy"
    immutable = frozenset({"Bucket"})
    handled = frozenset({"Bucket", "PolicyDocument"})

    def _put(self, ctx: Context, props: dict[str, Any]) -> None:
        doc = props.get("PolicyDocument")
        ctx.call("s3", "put_bucket_policy", Bucket=props.get("Bucket"),
                 Policy=doc if isinstance(doc, str) else json.dumps(doc))

    def create(self, ctx: Context, logical_id: str, props: dict[str, Any],
               name: str | None) -> Created:
        self._put(ctx, props)
        return Created(ctx.generate_name(logical_id, 64))

    def update(self, ctx: Context, old: PhysicalResource, props: dict[str, Any],
               name: str | None) -> Created:
        self._put(ctx, props)
        return Created(old.physical_id)

    def delete(self, ctx: Context, res: PhysicalResource) -> None:
        delete_if_present(ctx, "s3", "delete_bucket_policy", Bucket=res.properties.get("Bucket"))
