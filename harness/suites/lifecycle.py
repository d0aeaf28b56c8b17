"""What the lifecycle scenarios (S1 onboarding, S8 pipeline, S9 offboarding) learn from an adapter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from harness.suites.adapter import RouteAccess

RunStatus = Literal["Succeeded", "Failed", "Stopped", "Superseded", "InProgress"]
DeploymentStatus = Literal["Succeeded", "Failed", "InProgress"]
DataAfterOffboarding = Literal["deleted", "unreachable"]
"""What offboarding documents for a tenant's items: removed, or kept but no longer served to anyone."""


class NotSupported(NotImplementedError):
    """The app (or its adapter) does not offer this optional operation; the scenario that needs it
    is skipped with this message as its reason."""


@dataclass(frozen=True)
class TenantStack:
    """The deployed stack serving a tenant: shared by pooled tenants, a silo tenant's own."""

    name: str
    tenant_id: str
    """Whose stack it is deployed as: the silo tenant's id, or the app's name for the pool."""
    api_url: str
    """The base URL of the tenant API this stack serves."""
    wave: int
    version: str
    """The build the pipeline last deployed to it ('' before the first deployment)."""
    status: str = ""


@dataclass(frozen=True)
class StackDeployment:
    """One stack deployment of a pipeline run, in the wave it belongs to."""

    stack: str
    tenant_id: str
    wave: int
    status: DeploymentStatus
    started: float
    finished: float
    version: str = ""


@dataclass(frozen=True)
class PipelineRun:
    """A finished run of the app's deployment pipeline: the one build and every stack it reached."""

    id: str
    status: RunStatus
    version: str
    deployments: tuple[StackDeployment, ...] = ()
    error: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def deployed(self) -> dict[str, StackDeployment]:
        """Deployments by stack name."""
        return {d.stack: d for d in self.deployments}


@dataclass(frozen=True)
class OffboardingSpec:
    """What offboarding a tenant does in this app, as its documentation says."""

    data: DataAfterOffboarding
    request: RouteAccess | None = None
    """The public request that offboards a tenant (its tenant parameter bound to `own_tenant`) and
    the roles allowed to make it; every other role, above all another tenant's admin, is refused."""
    removes_silo_stack: bool = True
    disables_api_key: bool = True
    """True when offboarding disables the tenant's API key, so even a request an authorizer's cached
    decision still allows is refused at once."""
