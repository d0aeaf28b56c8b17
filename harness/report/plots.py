"""PNG plots of benchmark results (matplotlib, no display), for the report and the docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def authorizer_plots(result: dict[str, Any], out_dir: Path) -> list[Path]:
    """p50 latency, STS calls per 1,000 requests and revocation lag against the authorizer TTL."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    cells = result["cells"]
    series = sorted({(c["sts_ms"], c["placement"]) for c in cells})
    charts = (("p50_ms", "p50 latency (ms)", "authorizer-p50.png", True),
              ("sts_calls_per_1000", "STS calls per 1,000 requests", "authorizer-sts-calls.png", False),
              ("revocation_lag_s", "revocation lag (virtual s)", "authorizer-revocation-lag.png", False))
    written = []
    for key, label, name, log in charts:
        fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
        for sts, placement in series:
            points = sorted((c["ttl_s"], c[key]) for c in cells
                            if (c["sts_ms"], c["placement"]) == (sts, placement) and c[key] is not None)
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                        label=f"STS {sts} ms, credentials in {placement}")
        ax.set_xlabel("authorizer TTL (s)")
        ax.set_ylabel(label)
        if log:
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out_dir / name
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
