"""`sam build` for the deployer: requirements.txt and layer BuildMethod built once per content hash."""

from harness.deploy.build.cache import ENV_VAR, BuildCache, default_root
from harness.deploy.build.pip import BuildFailed
from harness.deploy.build.template import build_template

__all__ = ["ENV_VAR", "BuildCache", "BuildFailed", "build_template", "default_root"]
