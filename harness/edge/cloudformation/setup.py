"""Wiring the CloudFormation service into a running target: store, engine per caller, service role."""

from __future__ import annotations

import threading
from pathlib import Path

import boto3
import botocore.config
from botocore.exceptions import ClientError

from harness.deploy import Deployer, DeployError, FileStackStore
from harness.edge.app import Edge
from harness.edge.cloudformation.models import Credentials, StackService
from harness.edge.cloudformation.responses import CloudFormationApi, install
from harness.edge.cloudformation.templates import TemplateSource
from harness.edge.principals import Principal
from harness.edge.upstream import ROOT_KEY, ROOT_SECRET

CLOUDFORMATION_SERVICE = "cloudformation.amazonaws.com"
_MAX_DEPLOYERS = 64


class EngineCredentials:
    """Whose credentials the engine uses: the caller's (as CloudFormation does) or a service role's."""

    def __init__(self, edge: Edge, endpoint: str, region: str) -> None:
        self.edge = edge
        self.endpoint = endpoint
        self.region = region

    def __call__(self, principal: Principal, role_arn: str | None) -> Credentials:
        if role_arn:
            return self._assume(role_arn)
        if principal.is_root:
            return ROOT_KEY, ROOT_SECRET, None
        return principal.access_key, principal.secret, principal.session_token

    def _assume(self, role_arn: str) -> Credentials:
        """AssumeRole through the edge signed as cloudformation.amazonaws.com: the trust policy decides."""
        svc = self.edge.book.service_credentials(CLOUDFORMATION_SERVICE, self.edge.account)
        sts = boto3.session.Session().client(
            "sts", region_name=self.region, endpoint_url=self.endpoint,
            aws_access_key_id=svc.access_key, aws_secret_access_key=svc.secret,
            config=botocore.config.Config(retries={"max_attempts": 1}))
        try:
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="AWSCloudFormation")
        except ClientError as exc:
            raise DeployError(str(exc.response.get("Error", {}).get("Message", exc))) from exc
        c = creds["Credentials"]
        return c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]


class Deployers:
    """One engine client per set of credentials, sharing the stack store and the code cache."""

    def __init__(self, endpoint: str, region: str, account: str, store: FileStackStore) -> None:
        self.endpoint = endpoint
        self.region = region
        self.account = account
        self.store = store
        self.blobs: dict[str, bytes] = {}
        self._by_key: dict[Credentials, Deployer] = {}
        self._lock = threading.Lock()

    def __call__(self, creds: Credentials) -> Deployer:
        with self._lock:
            found = self._by_key.get(creds)
            if found is None:
                if len(self._by_key) >= _MAX_DEPLOYERS:
                    self._by_key.clear()
                found = Deployer(endpoint_url=self.endpoint, region=self.region,
                                 credentials=(creds[0], creds[1]), session_token=creds[2],
                                 store=self.store, account=self.account, blobs=self.blobs)
                self._by_key[creds] = found
            return found


def install_cloudformation(edge: Edge, endpoint: str, work_dir: Path) -> CloudFormationApi:
    """The stack API on this edge; stacks are recorded in `<work dir>/stacks` like `saas-harness deploy`."""
    store = FileStackStore(work_dir / "stacks")

    def read_s3(bucket: str, key: str) -> bytes:
        body = edge.upstream.client("s3").get_object(Bucket=bucket, Key=key)["Body"]
        return bytes(body.read())

    source = TemplateSource(work_dir / "cloudformation", read_s3)
    deployers = Deployers(endpoint, edge.region, edge.account, store)
    stacks = StackService(store, source, deployers, edge.region, edge.account)
    return install(edge, CloudFormationApi(stacks, EngineCredentials(edge, endpoint, edge.region)))
