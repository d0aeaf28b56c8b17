"""Progress bars and summary tables, on stderr and stdout respectively."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

out = Console()
if not out.is_terminal:
    out = Console(width=160)  # a log or CI capture: do not squeeze the tables to 80 columns
err = Console(stderr=True)


@contextmanager
def stage_progress(enabled: bool = True) -> Iterator[Any]:
    """A callable progress(stage, done, total) that draws one bar per stage."""
    if not enabled:
        yield lambda stage, done, total: None
        return
    bars = Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=False)
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=max(total, 1))
        bars.update(tasks[stage], completed=done, total=max(total, 1))

    with bars:
        yield update


def tenants_table(tenants: list[dict[str, Any]], title: str = "Tenants") -> Table:
    table = Table(title=title)
    for col in ("tenant", "tier", "placement", "api"):
        table.add_column(col)
    for t in tenants:
        table.add_row(t["name"], t["tier"], "silo" if t.get("dedicated") else "pooled",
                      t.get("api_url", ""))
    return table


def run_table(summary: dict[str, Any]) -> Table:
    table = Table(title="saas-harness run")
    for col, justify in (("tenant", "left"), ("tier", "left"), ("placement", "left"),
                         ("sign-in", "center"), ("products", "right"), ("orders", "right"),
                         ("cross-tenant reads", "right"), ("violations", "right"),
                         ("errors", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for t in summary["tenants"]:
        table.add_row(
            t["name"], t["tier"], t["placement"], "ok" if t["signed_in"] else "FAILED",
            f"{t['products']}/{t['listed_products']}", f"{t['orders']}/{t['listed_orders']}",
            str(t["cross_tenant_attempts"]),
            f"[red]{t['violations']}[/red]" if t["violations"] else "0",
            f"[red]{len(t['errors'])}[/red]" if t["errors"] else "0")
    return table


def suites_table(report: dict[str, Any]) -> Table:
    """Per suite file: outcomes, seconds and cross-tenant attempts, as in the run report."""
    table = Table(title="isolation suites")
    for col, justify in (("suite", "left"), ("passed", "right"), ("failed", "right"), ("skipped", "right"),
                         ("errors", "right"), ("seconds", "right"), ("cross-tenant attempts", "right"),
                         ("attempts/s", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    rows = [*report["suites"], {**report["totals"], "suite": "all"}]
    for s in rows:
        bad = s["failed"] or s["errors"]
        table.add_row(s["suite"], str(s["passed"]), f"[red]{s['failed']}[/red]" if s["failed"] else "0",
                      str(s["skipped"]), f"[red]{s['errors']}[/red]" if s["errors"] else "0",
                      f"{s['seconds']:.1f}", str(s.get("attempts", s.get("cross_tenant_attempts", 0))),
                      str(s["attempts_per_s"]), style="red" if bad else None)
    return table
