"""A separate process for the warehouse tests: `python _child.py <mode> <data_dir> [args...]`.

Modes:
  writer <prefix> <seconds> <report>  record events for a while, ingesting and querying now and then;
                                      at the end write the number recorded to <report>, exit normally.
  killable <prefix>                   record events forever, printing each id after record() returned.
  suicide <prefix> <count>            record <count> events, then SIGKILL itself (segment left open).
  ingest <count>                      record <count> events in sealed segments, print "ingesting",
                                      ingest, print "done".
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from core.warehouse import UsageEvent, Warehouse


def event(event_id: str, i: int) -> UsageEvent:
    return UsageEvent(
        id=event_id,
        model_provider="anthropic",
        model_name="claude-haiku-4-5",
        task_type="trip_summary",
        request_id=f"req-{event_id}",
        user_id=f"user-{i % 3}",
        tokens_used=100 + i % 50,
        cost_usd=0.001,
        response_time_ms=float(i % 1000),
    )


def main() -> None:
    mode, data_dir, *args = sys.argv[1:]
    wh = Warehouse(Path(data_dir), lock_timeout_s=20, seal_interval_s=0.05)
    if mode == "writer":
        prefix, seconds, report = args[0], float(args[1]), Path(args[2])
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            wh.record(event(f"{prefix}-{i:08d}", i))
            i += 1
            if i % 2000 == 0:
                wh.ingest()
            elif i % 2000 == 1000:
                wh.query("SELECT count(*) FROM model_usage WHERE id LIKE ?", [f"{prefix}-%"])
        report.write_text(json.dumps({"count": i}))
    elif mode == "killable":
        prefix = args[0]
        i = 0
        while True:
            event_id = f"{prefix}-{i:08d}"
            wh.record(event(event_id, i))
            sys.stdout.write(event_id + "\n")
            sys.stdout.flush()
            i += 1
    elif mode == "suicide":
        prefix, count = args[0], int(args[1])
        for i in range(count):
            wh.record(event(f"{prefix}-{i:08d}", i))
        os.kill(os.getpid(), signal.SIGKILL)
    elif mode == "ingest":
        count = int(args[0])
        for i in range(count):
            wh.record(event(f"in-{i:08d}", i))
            if i % 20_000 == 19_999:
                wh.flush()
        wh.flush()
        print("ingesting", flush=True)
        wh.ingest()
        print("done", flush=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
