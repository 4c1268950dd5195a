"""Gateway overhead: N calls through the Gateway (selection, cache lookup, budget reserve/reconcile, the call,
the usage write) vs bare ``litellm.completion`` to the same local server, interleaved in the same run.

Target: overhead <= 2 ms median. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from core.config import load_settings
from core.gateway import Gateway
from core.testing import FakeProvider

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 500
WARMUP = 20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    import litellm

    with tempfile.TemporaryDirectory() as tmp, FakeProvider.start() as fake:
        fake.configure("primary", reply="ok", prompt_tokens=50, completion_tokens=5)
        config = Path(tmp) / "travelops.yml"
        config.write_text(
            f"""
data_dir: ./data
models:
  providers:
    lab:
      kind: openai_compatible
      api_base: {fake.base_url}
      api_key: bench
      models: [{{name: primary, input_cost_per_token: 1e-6, output_cost_per_token: 2e-6}}]
workflows:
  travel_planning: {{default_model: lab/primary, complex_tasks_model: lab/primary}}
cost_optimization: {{daily_limit: 1000000}}
routing:
  task_types: {{general: {{complexity: routine}}}}
"""
        )
        gw = Gateway.from_settings(load_settings(config))
        gw.router()  # build the Router (and import litellm) before timing

        def through_gateway(i: int) -> float:
            start = time.perf_counter()
            gw.complete([{"role": "user", "content": f"gateway question {i}"}], task="general", max_tokens=16)
            return (time.perf_counter() - start) * 1000

        def bare(i: int) -> float:
            start = time.perf_counter()
            litellm.completion(
                model="openai/primary",
                api_base=fake.base_url,
                api_key="bench",
                messages=[{"role": "user", "content": f"bare question {i}"}],
                max_tokens=16,
            )
            return (time.perf_counter() - start) * 1000

        for i in range(WARMUP):
            through_gateway(-i - 1)
            bare(-i - 1)
        gateway_ms: list[float] = []
        bare_ms: list[float] = []
        for i in range(CALLS):  # interleaved so both see the same machine state
            gateway_ms.append(through_gateway(i))
            bare_ms.append(bare(i))
        gw.warehouse.flush()
        rows = int(gw.warehouse.query("SELECT count(*) AS n FROM model_usage")["n"][0])
        g50, b50 = statistics.median(gateway_ms), statistics.median(bare_ms)
        print(
            json.dumps(
                {
                    "bench": "gateway_overhead",
                    "calls": CALLS,
                    "gateway_median_ms": round(g50, 3),
                    "litellm_median_ms": round(b50, 3),
                    "overhead_median_ms": round(g50 - b50, 3),
                    "ratio": round(g50 / b50, 3),
                    "gateway_p99_ms": round(pct(gateway_ms, 0.99), 3),
                    "litellm_p99_ms": round(pct(bare_ms, 0.99), 3),
                    "usage_rows_written": rows,
                    "target": {"overhead_median_ms": 2.0},
                    "cores": os.cpu_count(),
                }
            )
        )


if __name__ == "__main__":
    main()
