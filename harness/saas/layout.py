"""Where the SaaS under test lives and how the harness talks about its URLs and build."""

from __future__ import annotations

import hashlib
from pathlib import Path

STACK_DIR = Path(__file__).resolve().parents[2] / "stack"
BOOTSTRAP_TEMPLATE = STACK_DIR / "template.yaml"
TENANT_TEMPLATE = STACK_DIR / "tenant-template.yaml"
BOOTSTRAP_STACK = "serverless-saas"
PIPELINE_NAME = "serverless-saas-pipeline"
STAGE_PATH = "/restapis/{apiId}/{stage}/_user_request_"


def api_url_format(endpoint: str) -> str:
    """The LocalStack-shaped execute-api URL the stack's ApiUrlFormat parameter takes."""
    return endpoint + STAGE_PATH


def api_url(endpoint: str, api_id: str, stage: str) -> str:
    return endpoint + STAGE_PATH.format(apiId=api_id, stage=stage)


def build_version(stack_dir: Path = STACK_DIR) -> str:
    """One build id for the code every tenant stack gets: a hash of sources, layers, template."""
    digest = hashlib.sha256()
    roots = [stack_dir / "src", stack_dir / "layers", stack_dir / "dependencies",
             stack_dir / "tenant-template.yaml"]
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            if "__pycache__" in f.parts:
                continue
            digest.update(str(f.relative_to(stack_dir)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:12]
