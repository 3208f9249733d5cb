"""A worker-process target for the tests: serve as the render worker does, then report which
modules the process imported (one name a line) into a file."""

from __future__ import annotations

import sys
from pathlib import Path


def serve_then_report(requests, results, report: str) -> None:
    from posestudio.render.worker import serve

    serve(requests, results)
    Path(report).write_text("\n".join(sorted(sys.modules)), encoding="utf-8")
