"""Benchmark runner throughput: 6 tasks × 4 models × 30 cases against the local fake provider (20 ms a call),
concurrency 16, vs the same calls made one at a time in the same run; plus the runner's own overhead per cell
(scoring, journal write, bookkeeping) measured with a caller that answers instantly.

Targets: speedup >= 10×, overhead_ms <= 5. Prints one JSON object. ``--quick`` runs 5 cases per task.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from core.bench import TASKS, CallOutcome, auto_workers, prepare_workers, run_benchmark
from core.config import load_settings
from core.testing import FakeProvider
from core.warehouse import Warehouse

MODELS = ["m1", "m2", "m3", "m4"]
LATENCY_MS = 20
CONCURRENCY = 16
CASES = 5 if "--quick" in sys.argv else 30


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeProvider.start() as fake:
        for m in MODELS:
            fake.configure(
                m, reply='{"total": 1}', latency_ms=LATENCY_MS, prompt_tokens=200, completion_tokens=50
            )
        config = Path(tmp) / "travelops.yml"
        task_types = {t.routing_task for t in TASKS.values()}
        config.write_text(
            f"""
data_dir: ./data
models:
  providers:
    lab:
      kind: openai_compatible
      api_base: {fake.base_url}
      api_key: bench
      models: [{", ".join(f"{{name: {m}, input_cost_per_token: 1e-7, output_cost_per_token: 4e-7}}" for m in MODELS)}]
workflows:
  travel_planning: {{default_model: lab/m1}}
cost_optimization: {{daily_limit: 1000000, monthly_limit: 1000000}}
gateway: {{num_retries: 0}}
routing:
  task_types: {{{", ".join(f"{t}: {{complexity: routine}}" for t in task_types)}}}
"""
        )
        settings = load_settings(config)
        models = [f"lab/{m}" for m in MODELS]
        tasks = list(TASKS)
        cells = len(tasks) * len(models) * CASES
        # Warm up (litellm import, router, connections, the workers' fork server) outside the timings.
        run_benchmark(settings, tasks[:1], models, samples=1, concurrency=4, run_id="warmup", progress=False)
        prepare_workers()

        def timed(run_id: str, concurrency: int, **kw: object) -> tuple[float, int]:
            start = time.perf_counter()
            summary = run_benchmark(
                settings,
                tasks,
                models,
                samples=CASES,
                concurrency=concurrency,
                run_id=run_id,
                progress=False,
                refresh=False,
                **kw,  # type: ignore[arg-type]
            )
            return time.perf_counter() - start, summary.cells_run

        wall, ran = timed("concurrent", CONCURRENCY)
        seq_wall, seq_ran = timed("sequential", 1)

        async def instant(
            messages: list[dict[str, str]], task: str, model: str, max_tokens: int
        ) -> CallOutcome:
            return CallOutcome(text='{"total": 1}', model=model, cost_usd=1e-5, latency_ms=0.1)

        null_wall, null_ran = timed(
            "overhead", 1, caller=instant, warehouse=Warehouse.from_settings(settings)
        )
    assert ran == seq_ran == null_ran == cells, (ran, seq_ran, null_ran, cells)
    print(
        json.dumps(
            {
                "benchmark": "bench_runner",
                "cells": cells,
                "tasks": len(tasks),
                "models": len(models),
                "cases_per_task": CASES,
                "latency_ms": LATENCY_MS,
                "concurrency": CONCURRENCY,
                "workers": auto_workers(CONCURRENCY, cells),
                "wall_s": round(wall, 3),
                "cells_per_s": round(cells / wall, 1),
                "sequential_wall_s": round(seq_wall, 3),
                "sequential_cells_per_s": round(cells / seq_wall, 1),
                "speedup": round(seq_wall / wall, 2),
                "speedup_target": 10,
                "overhead_ms": round(null_wall / cells * 1000, 3),
                "overhead_target_ms": 5,
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
