"""Start-up cost: `import core` and `travelops --help`, median of 5 fresh processes each.

Baseline measured in the same run: a bare `python -c pass` (the interpreter's own start-up).
Targets: import core <= 0.3 s, travelops --help <= 0.6 s.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time

RUNS = 5


def median_s(cmd: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    travelops = shutil.which("travelops") or os.path.join(os.path.dirname(sys.executable), "travelops")
    bare = median_s([sys.executable, "-c", "pass"])
    import_core = median_s([sys.executable, "-c", "import core, core.config, core.errors"])
    cli_help = median_s([travelops, "--help"])
    print(
        json.dumps(
            {
                "bench": "startup",
                "import_core_s": round(import_core, 3),
                "travelops_help_s": round(cli_help, 3),
                "python_bare_s": round(bare, 3),
                "import_core_ratio_to_bare": round(import_core / bare, 2),
                "targets": {"import_core_s": 0.3, "travelops_help_s": 0.6},
                "runs": RUNS,
                "cores": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
