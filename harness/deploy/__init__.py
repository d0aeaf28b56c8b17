"""SAM (via aws-sam-translator) and CloudFormation deployed through boto3 to the edge or any endpoint."""

from __future__ import annotations

from harness.deploy.deployer import Deployer
from harness.deploy.lint import lint
from harness.deploy.model import DeployError, PhysicalResource, StackResult
from harness.deploy.store import FileStackStore, MemoryStackStore, StackStore

__all__ = ["DeployError", "Deployer", "FileStackStore", "MemoryStackStore", "PhysicalResource",
           "StackResult", "StackStore", "lint"]
