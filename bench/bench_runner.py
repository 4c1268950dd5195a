"""Benchmark runner throughput: 6 tasks × 4 models × 30 cases against the local fake provider (20 ms a call),
concurrency 16, vs the same calls made one at a time in the same run; plus the runner's own overhead per cell
(scoring, journal write, bookkeeping) measured with a caller that answers instantly.

Targets: speedup >= 10×, overhead_ms <= 5. Prints one JSON object. ``--quick`` runs 5 cases per task.

For scale, the run also measures what litellm alone allows on this machine (``litellm_only_*``): the same calls
(same prompts, models and max_tokens) straight to the Gateway's own litellm Router, with none of TravelOps' code
around them (no selection, budget, usage rows, scoring or journal): a third of them one at a time, then all of
them shared among as many processes as the runner used, at the same concurrency. ``speedup`` cannot be expected
to beat ``litellm_only_speedup``; ``share_of_litellm_only`` is the runner's speedup as a share of it.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from core.bench import TASKS, CallOutcome, auto_workers, load_cases, prepare_workers, run_benchmark
from core.config import Settings, load_settings
from core.testing import FakeProvider
from core.warehouse import Warehouse

MODELS = ["m1", "m2", "m3", "m4"]
LATENCY_MS = 20
CONCURRENCY = 16
CASES = 5 if "--quick" in sys.argv else 30


Call = tuple[list[dict[str, str]], str, int]  # messages, model id, max_tokens


def _split(total: int, parts: int) -> list[int]:
    """``total`` shared out as evenly as can be, as the runner shares its concurrency among its workers."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _router_calls(settings: Settings, calls: list[Call], concurrency: int, workers: int, out: Any) -> None:
    """In a worker process: the calls through a bare litellm Router (the Gateway's), timed after a warm-up."""
    from core.gateway import Gateway
    from core.models import Registry

    registry = Registry.from_settings(settings).with_rate_limit_share(workers)
    router = Gateway(settings, registry=registry).router()

    async def run(batch: list[Call], limit: int) -> None:
        semaphore = asyncio.Semaphore(limit)

        async def one(messages: list[dict[str, str]], model: str, max_tokens: int) -> None:
            async with semaphore:
                await router.acompletion(model=model, messages=messages, max_tokens=max_tokens)

        await asyncio.gather(*(one(*c) for c in batch))

    async def timed() -> tuple[float, float]:
        await run(calls[:8], concurrency)  # first calls of a process: connections, lazy imports
        start = time.time()
        await run(calls, concurrency)
        return start, time.time()

    out.put(asyncio.run(timed()))


def _litellm_only(settings: Settings, calls: list[Call], concurrency: int, workers: int) -> dict[str, float]:
    """ms per call through litellm alone: a third of the calls one at a time, all of them in ``workers``."""
    ctx = mp.get_context("forkserver")  # the runner's fork server, already warm: litellm is imported

    def per_call_ms(batch: list[Call], limit: int, procs: int) -> float:
        out = ctx.Queue()
        shares = [batch[i::procs] for i in range(procs)]
        limits = _split(limit, procs)  # as the runner splits its concurrency
        started = [
            ctx.Process(target=_router_calls, args=(settings, share, lim, procs, out))
            for share, lim in zip(shares, limits, strict=True)
        ]
        for p in started:
            p.start()
        spans = [out.get(timeout=300) for _ in started]
        for p in started:
            p.join()
        # From the last process's start to the last one's end: every process was running all that time.
        return (max(end for _, end in spans) - max(start for start, _ in spans)) / len(batch) * 1000

    sequential = per_call_ms(calls[: len(calls) // 3], 1, 1)
    parallel = per_call_ms(calls, concurrency, workers)
    return {"sequential_ms_per_call": sequential, "ms_per_call": parallel, "speedup": sequential / parallel}


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
        workers = auto_workers(CONCURRENCY, cells)
        calls = [
            (TASKS[t].messages(case), model, TASKS[t].max_tokens)
            for t in tasks
            for case in load_cases(t, limit=CASES)
            for model in models
        ]
        random.Random(0).shuffle(calls)
        ceiling = _litellm_only(settings, calls, CONCURRENCY, workers)
    assert ran == seq_ran == null_ran == cells, (ran, seq_ran, null_ran, cells)
    speedup = seq_wall / wall
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
                "workers": workers,
                "wall_s": round(wall, 3),
                "cells_per_s": round(cells / wall, 1),
                "sequential_wall_s": round(seq_wall, 3),
                "sequential_cells_per_s": round(cells / seq_wall, 1),
                "speedup": round(speedup, 2),
                "speedup_target": 10,
                "litellm_only_sequential_ms_per_call": round(ceiling["sequential_ms_per_call"], 2),
                "litellm_only_ms_per_call": round(ceiling["ms_per_call"], 2),
                "litellm_only_speedup": round(ceiling["speedup"], 2),
                "share_of_litellm_only": round(speedup / ceiling["speedup"], 2),
                "overhead_ms": round(null_wall / cells * 1000, 3),
                "overhead_target_ms": 5,
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
