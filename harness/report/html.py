"""One self-contained HTML page (and its markdown twin) from the latest run, bench, load and mutant
results: plots embedded as data URIs, no network needed to view it."""

from __future__ import annotations

import base64
import html
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# After load, the page titles itself with how many of its plots rendered (a headless browser reads it).
_IMAGES_CHECK = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.title = "images " + ok + "/" + imgs.length;
});
</script>"""
_STYLE = """<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.25em .6em;font-size:.9em}
th{background:#f3f3f3}.ok{color:#176b2c}.bad{color:#b00020;font-weight:bold}img{max-width:640px;display:block}
</style>"""


@dataclass
class Inputs:
    """Result files found for the report, by kind."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    benches: list[dict[str, Any]] = field(default_factory=list)
    loads: list[dict[str, Any]] = field(default_factory=list)
    mutants: list[list[dict[str, Any]]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def classify(data: Any) -> str | None:
    """Which kind of result a JSON document is, by its shape."""
    if isinstance(data, list) and data and all(isinstance(m, dict) and "caught" in m for m in data):
        return "mutants"
    if isinstance(data, dict):
        if isinstance(data.get("mutants"), list):
            return "mutants"
        if "benchmark" in data:
            return "bench"
        if "checks" in data and "scenario" in data:
            return "load"
        if "suites" in data or "findings" in data:
            return "run"
    return None


def collect(paths: list[Path]) -> Inputs:
    """Every JSON result among `paths` (files, or folders searched two levels deep)."""
    found = Inputs()
    files: list[Path] = []
    for p in paths:
        files += sorted(p.glob("*.json")) + sorted(p.glob("*/*.json")) if p.is_dir() else [p]
    for f in files:
        try:
            data = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        kind = classify(data)
        if kind is None:
            continue
        found.sources.append(str(f))
        if kind == "mutants":
            found.mutants.append(data["mutants"] if isinstance(data, dict) else data)
        elif kind == "bench":
            found.benches.append(data)
        elif kind == "load":
            found.loads.append(data)
        else:
            run = _run_view(data)
            seen = [(r.get("suites"), r.get("findings")) for r in found.runs]
            if (run.get("suites"), run.get("findings")) not in seen:  # run-summary.json nests the
                found.runs.append(run)                                  # same report as report.json
    return found


def _run_view(data: dict[str, Any]) -> dict[str, Any]:
    """The suites report of a run: `saas-harness run --json` nests it under `suites`."""
    nested = data.get("suites")
    if isinstance(nested, dict) and isinstance(nested.get("suites"), list):
        return nested
    return data


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: Any) -> str:
    if value is True:
        return '<span class="ok">ok</span>'
    if value is False:
        return '<span class="bad">no</span>'
    if isinstance(value, dict | list):
        return html.escape(json.dumps(value)[:200])
    return html.escape("" if value is None else str(value))


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def load_plot(result: dict[str, Any], out_dir: Path) -> Path:
    """Offered, planned and admitted requests per second for each tenant of a load run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tenants = result["tenants"]
    seconds = max(float(result.get("duration_s", 1.0)), 1e-9)
    names = [t["name"] for t in tenants]
    xs = range(len(names))
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    ax.bar([x - 0.27 for x in xs], [t["offered_rps"] for t in tenants], 0.27, label="offered")
    ax.bar(list(xs), [t["plan_rps"] for t in tenants], 0.27, label="plan")
    ax.bar([x + 0.27 for x in xs], [t["succeeded"] / seconds for t in tenants], 0.27, label="admitted")
    ax.set_xticks(list(xs), names, fontsize=7)
    ax.set_ylabel("requests/s")
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = out_dir / f"load-{result['scenario']}.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def render(inputs: Inputs) -> tuple[str, str]:
    """(HTML, markdown) for everything found; plots drawn into a temporary folder and embedded."""
    from harness.report.plots import authorizer_plots

    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>saas-harness report</title>{_STYLE}"
             f"{_IMAGES_CHECK}</head><body><h1>saas-harness report</h1>"]
    md = ["# saas-harness report", ""]
    with tempfile.TemporaryDirectory(prefix="saas-report-") as tmp:
        plots = Path(tmp)
        for run in inputs.runs:
            parts.append("<h2>Isolation suites</h2>")
            suites = run.get("suites") or []
            if isinstance(suites, dict):
                suites = [{"suite": k, **v} for k, v in suites.items()]
            cols = sorted({k for s in suites for k in s}, key=lambda k: (k != "suite", k))
            parts.append(_table(suites, cols) if suites else "<p>no suites</p>")
            findings = run.get("findings") or []
            parts.append(f"<h3>Findings ({len(findings)})</h3>")
            parts.append("<ul>" + "".join(f"<li>{_cell(f)}</li>" for f in findings) + "</ul>")
            md += ["## Isolation suites", "", f"{len(suites)} suites, {len(findings)} findings", ""]
        for bench in inputs.benches:
            name = str(bench.get("benchmark"))
            parts.append(f"<h2>Benchmark: {html.escape(name)}</h2>")
            parts.append(_table([bench.get("summary", {})], list(bench.get("summary", {}))))
            summary = json.dumps(bench.get("summary", {}), indent=2)
            md += [f"## Benchmark: {name}", "", "```", summary, "```", ""]
            if name == "authorizer":
                from harness.bench.authorizer import markdown

                cols = ["ttl_s", "sts_ms", "placement", "p50_ms", "p95_ms", "p99_ms", "sts_calls_per_1000",
                        "cache_hit_ratio", "revocation_lag_s"]
                parts.append(_table(bench["cells"], cols))
                parts += [_img(p) for p in authorizer_plots(bench, plots / name)]
                md += [markdown(bench), ""]
        for load in inputs.loads:
            parts.append(f"<h2>Load: {html.escape(str(load['scenario']))}</h2>")
            parts.append(_table(load["checks"], ["tenant", "check", "ok"]))
            parts.append(_img(load_plot(load, plots)))
            md += [f"## Load: {load['scenario']}", ""]
            md += [f"- {'ok' if c['ok'] else 'FAILED'} {c['tenant']}: {c['check']}" for c in load["checks"]]
            md.append("")
        for mutants in inputs.mutants:
            caught = sum(1 for m in mutants if m.get("caught"))
            parts.append(f"<h2>Mutants: {caught}/{len(mutants)} caught</h2>")
            parts.append(_table(mutants, ["id", "applied", "caught", "caught_by", "seconds", "error"]))
            md += [f"## Mutants: {caught}/{len(mutants)} caught", ""]
            md += [f"- {m['id']}: " + (f"caught by {m.get('caught_by')}" if m.get("caught") else "NOT caught")
                   for m in mutants]
            md.append("")
        if not (inputs.runs or inputs.benches or inputs.loads or inputs.mutants):
            parts.append("<p>No results found.</p>")
            md.append("No results found.")
        sources = ", ".join(html.escape(s) for s in inputs.sources)
        parts.append(f"<p>Sources: {sources}</p></body></html>")
    return "".join(parts), "\n".join(md) + "\n"
