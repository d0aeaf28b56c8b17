"""`saas-harness report`: the latest results under .harness (or the paths given) as one HTML page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_report(args: argparse.Namespace) -> int:
    from harness.report.html import collect, render

    paths = [Path(p) for p in (args.paths or [".harness"])]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    inputs = collect(paths)
    page, markdown = render(inputs)
    for target, text in ((Path(args.html), page), (Path(args.markdown), markdown)):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    print(f"Wrote {args.html} and {args.markdown} from {len(inputs.sources)} result files")
    return 0 if inputs.sources else 1
