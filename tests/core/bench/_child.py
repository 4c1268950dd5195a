"""Run a benchmark in its own process (the SIGKILL test kills it mid-run): CONFIG CASES_DIR RUN_ID [WORKERS]."""

from __future__ import annotations

import sys
from pathlib import Path

from core.bench import run_benchmark
from core.config import load_settings

if __name__ == "__main__":
    config, cases, run_id = sys.argv[1:4]
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    settings = load_settings(config, environ={"LAB_KEY": "sk-test"})
    summary = run_benchmark(
        settings,
        ["destination_questions"],
        ["lab/good", "lab/mid", "lab/bad"],
        cases_dir=Path(cases),
        concurrency=2,
        run_id=run_id,
        progress=False,
        workers=workers,
    )
    print(summary.status, summary.cells_run, flush=True)
