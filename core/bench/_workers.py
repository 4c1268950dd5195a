"""Benchmark cells in worker processes, so that a run uses every core.

One process tops out at about 200 calls a second: each call through the Gateway and litellm costs a few ms
of CPU under the GIL, whatever the provider's latency. With ``workers`` > 1 the runner starts that many
worker processes, deals the pending cells out among them and splits the concurrency limit and every model's
rpm/tpm limit between them, so that together they stay within both. Each worker calls through a Gateway of
its own (its usage rows go to its own spool segment, its budget reservations to the shared SQLite ledger,
which is safe across processes) and sends each finished cell to the parent over a pipe. The parent alone
writes the journal, counts the money against the cost cap (telling the workers to stop when it is reached)
and draws the progress bar.

Workers come from multiprocessing's fork server, which imports litellm once (about 2.5 s of CPU), does the lazy
work of a first Router and call once (``core.bench._warmup``), and then forks a warm worker in milliseconds for
every run of this process. Each worker builds its Gateway as soon as it starts; its share of the cells follows
over its pipe. Plain fork is not an option: litellm's native runtime does not survive a fork once it has made a
call, and spawn would import litellm per worker.
``prepare_workers()`` starts the fork server ahead of time (the benchmark does it in its warm-up).

A worker stops taking cells when the parent sets the stop event, or when the parent is gone (killed): its
pipe breaks or the fork server, which exits with the parent, is gone. On Ctrl-C the parent stops the workers, keeps what they
finish in the next few seconds and ends them. Linux only (``auto_workers`` returns 1 elsewhere).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import os
import random
import signal
import struct
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from core.bench._cells import RunState, gateway_caller, run_cell
from core.bench._suites import Case, TaskSpec, task_spec
from core.errors import TravelOpsError

if TYPE_CHECKING:
    from multiprocessing.context import ForkServerContext  # not on Windows: only named for the type checker
    from pathlib import Path
    from typing import TextIO

    from core.config import Settings

__all__ = ["auto_workers", "prepare_workers", "run_cells_in_workers", "workers_supported"]

logger = logging.getLogger(__name__)

_RESULT, _FAILED, _BROKEN = b"R", b"E", b"X"  # a cell's result, a cell's failure, the worker's failure
_COST = struct.Struct("<d")  # a result message: kind, the cell's cost, the CellResult as JSON
_GRACE_S = 5.0  # after Ctrl-C: how long the workers may take to finish the calls in flight
_MIN_CELLS_PER_WORKER = 32  # below this a worker costs more than it saves


def workers_supported() -> bool:
    """Worker processes need multiprocessing's fork server; only Linux is tested (macOS has it but is not)."""
    return sys.platform.startswith("linux")


def auto_workers(concurrency: int, cells: int) -> int:
    """How many worker processes suit a run: one per core, if there is enough work and the platform allows."""
    if not workers_supported() or concurrency < 4:
        return 1
    return max(1, min(os.cpu_count() or 1, concurrency // 2, cells // _MIN_CELLS_PER_WORKER))


# core.bench._warmup does, once in the fork server, the lazy work of a first Router and call (see there).
_PRELOAD = ["litellm.router", "core.gateway", "core.bench._workers", "core.bench._warmup"]


def _context() -> ForkServerContext:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def prepare_workers() -> None:
    """Start the fork server now (it imports litellm), so the first run with workers starts at once."""
    ctx = _context()
    probe = ctx.Process(target=_ready, name="travelops-bench-probe", daemon=True)
    probe.start()  # returns once the fork server has imported what it preloads
    probe.join()


def _ready() -> None:
    """Nothing: starting it proves the fork server is up."""


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


@dataclass(frozen=True)
class _Job:
    """What every worker of a run shares (picklable: it travels to the workers through the fork server)."""

    settings: Settings
    workers: int
    run_id: str
    routing: Mapping[str, str]
    judge_model: str | None


def run_cells_in_workers(
    pending: Sequence[tuple[TaskSpec, Case, str]],
    *,
    workers: int,
    settings: Settings,
    run_id: str,
    routing: Mapping[str, str],
    concurrency: int,
    judge_model: str | None,
    journal: Path,
    state: RunState,
    progress: bool,
) -> None:
    """Run ``pending`` in ``workers`` worker processes; results land in ``journal`` and ``state``."""
    from tqdm.auto import tqdm

    if state.over_budget():  # resuming a run already at its cap: not one more paid call
        return
    workers = min(workers, concurrency, len(pending)) or 1
    job = _Job(settings, workers, run_id, dict(routing), judge_model)
    bar = tqdm(total=len(pending), desc="bench", unit="cell", disable=not progress, leave=False)
    try:
        with journal.open("a", encoding="utf-8") as out:
            _run(pending, job, concurrency, out, state, bar)
    finally:
        bar.close()


def _run(
    pending: Sequence[tuple[TaskSpec, Case, str]],
    job: _Job,
    concurrency: int,
    journal: TextIO,
    state: RunState,
    bar: Any,
) -> None:
    workers = job.workers
    ctx = _context()
    # A flag in shared memory, read and written without a lock: a worker killed while holding an Event's lock
    # would leave every other process blocked on it.
    stop = ctx.RawValue("b", 0)
    cells = [(spec.name, case, model) for spec, case, model in pending]  # what a worker needs, picklable
    # Shuffled (the same way every time) before dealing: dealt in order, cells come in model-sized strides, so
    # a worker could get only some models while holding just 1/workers of every model's rate limit.
    random.Random(0).shuffle(cells)
    shares = [cells[i::workers] for i in range(workers)]
    limits = _split(concurrency, workers)
    procs: list[BaseProcess] = []
    conns: list[Connection] = []
    try:
        for i, limit in enumerate(limits):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(
                target=_worker,
                args=(job, limit, theirs, stop, dict(os.environ)),
                name=f"travelops-bench-{i + 1}",
                daemon=True,
            )
            proc.start()
            theirs.close()
            procs.append(proc)
            conns.append(ours)
        # The shares go after every worker has started: each worker builds its Gateway meanwhile, instead of
        # the workers starting one after another, each waiting for its share to be pickled through the fork server.
        for conn, share in zip(conns, shares, strict=True):
            with contextlib.suppress(OSError):  # a worker that already failed: _collect reports it
                conn.send(share)
        broken: list[str] = []
        try:
            _collect(conns, journal, state, bar, stop, broken, deadline=None)
        except KeyboardInterrupt:
            stop.value = 1
            _collect(conns, journal, state, bar, stop, broken, deadline=time.monotonic() + _GRACE_S)
            raise
        _end(procs)
        for proc in procs:
            if proc.exitcode not in (0, None) and not broken:
                broken.append(f"{proc.name} ended with exit code {proc.exitcode}")
        if broken:
            raise TravelOpsError(
                f"The benchmark run {job.run_id} stopped: {'; '.join(broken)}.",
                hint=f"The cells finished so far are kept; run again with --run-id {job.run_id} to continue, "
                "or with --workers 1 to run in one process.",
            )
    finally:
        stop.value = 1
        _end(procs)
        for conn in conns:
            conn.close()


def _end(procs: list[BaseProcess]) -> None:
    """Wait (all together, at most the grace period) for the workers to exit; end the ones still running."""
    deadline = time.monotonic() + _GRACE_S
    for proc in procs:
        proc.join(timeout=max(0.0, deadline - time.monotonic()))
    late = [p for p in procs if p.is_alive()]
    for proc in late:
        proc.terminate()
    for proc in late:
        proc.join(timeout=_GRACE_S)


def _collect(
    conns: list[Connection],
    journal: TextIO,
    state: RunState,
    bar: Any,
    stop: Any,
    broken: list[str],
    *,
    deadline: float | None,
) -> None:
    """Read the workers' messages until every pipe is closed (or the deadline passes)."""
    live = [c for c in conns if not c.closed]
    while live:
        timeout = None if deadline is None else deadline - time.monotonic()
        if timeout is not None and timeout <= 0:
            return
        for conn in wait(live, timeout=timeout):
            assert isinstance(conn, Connection)
            try:
                message = conn.recv_bytes()
            except (EOFError, OSError):
                live.remove(conn)
                continue
            kind, body = message[:1], message[1:]
            if kind == _RESULT:
                # The worker serialised the result (a CellResult) and put its cost in front, so the parent,
                # which does this for every cell of every worker, need not parse it again.
                (cost,) = _COST.unpack_from(body)
                # One write of a whole line, flushed to the OS: survives SIGKILL of this process.
                journal.write(body[_COST.size :].decode() + "\n")
                journal.flush()
                state.spent += cost
                state.ran += 1
            elif kind == _FAILED:
                state.failed += 1
                state.errors.append(body.decode())
            else:
                broken.append(body.decode())
                stop.value = 1
                continue
            bar.update(1)
            if state.over_budget():
                stop.value = 1


def _worker(
    job: _Job,
    concurrency: int,
    conn: Connection,
    stop: Any,
    environ: dict[str, str],
) -> None:
    """A worker's life: its own Gateway (rate limits shared out), then its share of the cells, then exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle (it sets ``stop``)
    # The fork server's environment is from when it started; provider keys may have been set since.
    os.environ.clear()
    os.environ.update(environ)
    server = os.getppid()  # the fork server, which exits when the parent does

    def wanted() -> bool:
        return not stop.value and os.getppid() == server

    from core.gateway import Gateway
    from core.models import Registry

    gateway: Gateway | None = None

    async def main(gateway: Gateway, share: list[tuple[str, Case, str]]) -> None:
        caller = gateway_caller(gateway, job.run_id)
        semaphore = asyncio.Semaphore(concurrency)

        async def one(task: str, case: Case, model: str) -> None:
            spec = task_spec(task)
            async with semaphore:
                if not wanted():
                    return
                cell = await run_cell(
                    spec, case, model, job.run_id, job.routing[spec.name], caller, gateway, job.judge_model
                )
            if isinstance(cell, str):
                conn.send_bytes(_FAILED + cell.encode())
            else:
                conn.send_bytes(_RESULT + _COST.pack(cell.cost_usd) + cell.model_dump_json().encode())

        await asyncio.gather(*(one(*c) for c in share))

    try:
        registry = Registry.from_settings(job.settings).with_rate_limit_share(job.workers)
        gateway = Gateway(job.settings, registry=registry)
        gateway.router()
        share: list[tuple[str, Case, str]] = conn.recv()
        asyncio.run(main(gateway, share))
    except (BrokenPipeError, ConnectionResetError, EOFError):  # the parent is gone: nothing left to report to
        pass
    except Exception as e:  # reported to the parent, which raises it as the run's error
        logger.debug("benchmark worker failed", exc_info=True)
        what = e.message if isinstance(e, TravelOpsError) else f"{type(e).__name__}: {e}"
        with contextlib.suppress(OSError):
            conn.send_bytes(_BROKEN + f"{mp.current_process().name}: {what}".encode())
        raise SystemExit(1) from None
    finally:
        if gateway is not None:
            gateway.drain()
            gateway.warehouse.close()
        with contextlib.suppress(OSError):
            conn.close()
