"""The spool: each process appends events to its own segment files; whoever opens the warehouse ingests them.

A segment is one file per event table, named so its owner can be recognised::

    <pid>_<process start, ms>_<token>_<seq>.<table>.open          being written (one O_APPEND fd, one
    write/event) <pid>_<process start, ms>_<token>_<seq>.<table>.<rows>.jsonl  sealed (fsynced, renamed;
    never written again)

The part before ``.open`` / ``.<rows>.jsonl`` is the segment's *key* (unique, recorded in ``spool_segments``).
An ``.open`` segment whose owner process is gone (``kill -9``, power cut) is an orphan: the ingester seals it
on the owner's behalf, dropping a torn last line. Nothing is fsynced per event: a written line sits in the OS
page cache, which survives the death of the process.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil
from pydantic import BaseModel

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
SEALED_SUFFIX = ".jsonl"
BAD_SUFFIX = ".bad"


def _process_start_ms(pid: int) -> int | None:
    """When a process started (ms since the epoch), or None if it is gone or a zombie."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return int(proc.create_time() * 1000)
    except psutil.NoSuchProcess:
        return None


@dataclass(frozen=True, slots=True)
class Segment:
    """One spool file, parsed from its name."""

    path: Path
    key: str
    table: str
    pid: int
    started_ms: int
    token: str
    rows: int | None  # known once sealed

    @property
    def sealed(self) -> bool:
        return self.rows is not None

    @classmethod
    def parse(cls, path: Path) -> Segment | None:
        name = path.name
        if name.endswith(OPEN_SUFFIX):
            key, rows = name.removesuffix(OPEN_SUFFIX), None
        elif name.endswith(SEALED_SUFFIX):
            key, _, count = name.removesuffix(SEALED_SUFFIX).rpartition(".")
            if not count.isdigit():
                return None
            rows = int(count)
        else:
            return None
        owner, _, table = key.partition(".")
        parts = owner.split("_")
        if len(parts) != 4 or not (parts[0].isdigit() and parts[1].isdigit()) or not table:
            return None
        return cls(path, key, table, int(parts[0]), int(parts[1]), parts[2], rows)


class _OpenFile:
    __slots__ = ("fd", "path", "rows")

    def __init__(self, fd: int, path: Path) -> None:
        self.fd = fd
        self.path = path
        self.rows = 0


class SpoolWriter:
    """Appends events of this process to its open segments; seals them every ``seal_interval_s``.

    Thread-safe. ``write`` holds a lock only around one ``os.write``; fsync and rename happen in ``seal``,
    which swaps the open files out first so writers never wait for the disk.
    """

    def __init__(self, spool_dir: Path, seal_interval_s: float) -> None:
        self.spool_dir = spool_dir
        self.seal_interval_s = seal_interval_s
        self.pid = os.getpid()
        self.token = secrets.token_hex(4)
        self._owner = f"{self.pid}_{_process_start_ms(self.pid) or 0}_{self.token}"
        self._lock = threading.Lock()  # guards _files and _seq
        self._seal_lock = threading.Lock()  # one seal at a time; flush() waits for a seal in progress
        self._files: dict[str, _OpenFile] = {}
        self._seq = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.closed = False
        spool_dir.mkdir(parents=True, exist_ok=True)

    # -- writing ---------------------------------------------------------------------------------------------

    def write(self, table: str, line: bytes) -> None:
        """Append one JSON line (ending in a newline) to this process's open segment for ``table``."""
        with self._lock:
            if self.closed:
                raise OSError(f"the spool writer for {self.spool_dir} is closed")
            file = self._files.get(table)
            if file is None:
                file = self._files[table] = self._open(table)
            view = memoryview(line)
            while view:
                view = view[os.write(file.fd, view) :]
            file.rows += 1
        if self._thread is None:
            self._start_sealer()

    def _open(self, table: str) -> _OpenFile:
        path = self.spool_dir / f"{self._owner}_{self._seq:06d}.{table}{OPEN_SUFFIX}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, 0o644)
        except FileNotFoundError:  # the spool folder was removed under us: make it again
            self.spool_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, flags, 0o644)
        # Held until the file is closed (or the process dies): proof of life that works across pid namespaces.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return _OpenFile(fd, path)

    # -- sealing ---------------------------------------------------------------------------------------------

    def seal(self) -> int:
        """Seal every open segment of this writer (fsync, rename to ``.jsonl``). Returns the rows sealed."""
        with self._seal_lock:
            with self._lock:
                files, self._files = self._files, {}
                if files:
                    self._seq += 1
            rows = 0
            for file in files.values():
                rows += file.rows
                _seal_file(file.fd, file.path, file.rows)
            return rows

    def _start_sealer(self) -> None:
        with self._lock:
            if self._thread is not None or self.closed:
                return
            self._thread = threading.Thread(
                target=self._seal_periodically, name=f"spool-sealer-{self.token}", daemon=True
            )
            self._thread.start()

    def _seal_periodically(self) -> None:
        while not self._stop.wait(self.seal_interval_s):
            try:
                self.seal()
            except OSError:
                logger.exception("Could not seal spool segments in %s; will retry.", self.spool_dir)

    def close(self) -> None:
        """Seal what is open and stop the sealing thread. Later writes raise OSError."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        with self._lock:
            self.closed = True
        self.seal()

    def abandon(self) -> None:
        """In a forked child: let go of the parent's files unsealed (the parent still owns them)."""
        self.closed = True
        self._stop.set()
        for file in self._files.values():
            with contextlib.suppress(OSError):
                os.close(file.fd)
        self._files = {}

    def owns(self, segment: Segment) -> bool:
        return segment.path.name.startswith(self._owner + "_")


def _seal_file(fd: int, path: Path, rows: int) -> None:
    """fsync, then rename (or remove, if empty) while still holding the file's lock, then close."""
    try:
        os.fsync(fd)
        if rows == 0:
            path.unlink(missing_ok=True)
        else:
            os.rename(path, path.with_name(path.name.removesuffix(OPEN_SUFFIX) + f".{rows}{SEALED_SUFFIX}"))
    finally:
        os.close(fd)


# -- one writer per process per spool folder -----------------------------------------------------------------

_writers: dict[Path, SpoolWriter] = {}
_writers_lock = threading.Lock()


def writer_for(spool_dir: Path, seal_interval_s: float) -> SpoolWriter:
    """This process's writer for ``spool_dir`` (made on first use, shared by all Warehouses on it)."""
    writer = _writers.get(spool_dir)
    if writer is not None and not writer.closed:
        return writer
    with _writers_lock:
        writer = _writers.get(spool_dir)
        if writer is None or writer.closed:
            writer = _writers[spool_dir] = SpoolWriter(spool_dir, seal_interval_s)
        return writer


def existing_writer(spool_dir: Path) -> SpoolWriter | None:
    writer = _writers.get(spool_dir)
    return writer if writer is not None and not writer.closed else None


def close_writer(spool_dir: Path) -> None:
    with _writers_lock:
        writer = _writers.pop(spool_dir, None)
    if writer is not None:
        writer.close()


@atexit.register
def _seal_all_at_exit() -> None:
    for writer in list(_writers.values()):
        try:
            writer.close()
        except OSError:
            if not writer.spool_dir.exists():  # its data dir was deleted (a temp dir): nothing left to seal
                logger.warning("Spool folder %s was removed before exit; nothing to seal.", writer.spool_dir)
            else:
                logger.exception("Could not seal spool segments in %s at exit.", writer.spool_dir)


def _forget_writers_in_child() -> None:
    global _writers_lock
    _writers_lock = threading.Lock()
    for writer in _writers.values():
        writer.abandon()
    _writers.clear()


os.register_at_fork(after_in_child=_forget_writers_in_child)


# -- finding work for the ingester ---------------------------------------------------------------------------


def _owner_alive(segment: Segment, live: dict[tuple[int, int], bool]) -> bool:
    if segment.pid == os.getpid():
        return any(w.owns(segment) for w in _writers.values())
    key = (segment.pid, segment.started_ms)
    if key not in live:
        started = _process_start_ms(segment.pid)
        # Same pid and (nearly) the same start time: the owner. A different start time: the pid was reused.
        live[key] = started is not None and abs(started - segment.started_ms) <= 1000
    return live[key] or _locked_by_writer(segment.path)


def _locked_by_writer(path: Path) -> bool:
    """Whether a live writer holds the file's lock (one in another pid namespace looks dead to psutil)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return True  # sealed meanwhile: not an orphan
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def pending_segments(spool_dir: Path) -> list[Segment]:
    """Sealed segments ready to ingest, after sealing orphaned open ones. Call under the warehouse lock."""
    try:
        entries = list(os.scandir(spool_dir))
    except FileNotFoundError:
        return []
    live: dict[tuple[int, int], bool] = {}
    out: list[Segment] = []
    for entry in entries:
        segment = Segment.parse(Path(entry.path))
        if segment is None:
            continue
        if not segment.sealed:
            if _owner_alive(segment, live):
                continue
            segment = seal_orphan(segment)
            if segment is None:
                continue
        out.append(segment)
    out.sort(key=lambda s: s.path.name)
    return out


def seal_orphan(segment: Segment) -> Segment | None:
    """Seal an open segment whose owner died: keep whole lines, count them, rename. None if it was empty."""
    try:
        data = segment.path.read_bytes()
    except FileNotFoundError:
        return None
    end = data.rfind(b"\n") + 1
    if end < len(data):
        logger.warning(
            "Spool segment %s ended in a torn line (%d bytes) after its process %d died; dropped that line.",
            segment.path.name,
            len(data) - end,
            segment.pid,
        )
    rows = data.count(b"\n", 0, end)
    if rows == 0:
        segment.path.unlink(missing_ok=True)
        return None
    fd = os.open(segment.path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.ftruncate(fd, end)
        os.fsync(fd)
    finally:
        os.close(fd)
    sealed = segment.path.with_name(f"{segment.key}.{rows}{SEALED_SUFFIX}")
    os.rename(segment.path, sealed)
    return Segment.parse(sealed)


def quarantine(segment: Segment) -> Path:
    """Move an unreadable segment aside (``.bad``) so ingest goes on; it stays for a person to inspect."""
    target = segment.path.with_name(segment.path.name + BAD_SUFFIX)
    os.rename(segment.path, target)
    return target


def remove(segments: Iterable[Segment]) -> None:
    for segment in segments:
        segment.path.unlink(missing_ok=True)


def serialize(event: BaseModel, exclude: set[str]) -> bytes:
    """One JSON line for an event: None fields and the ``table`` tag left out (read back as NULL)."""
    return event.__pydantic_serializer__.to_json(event, exclude_none=True, exclude=exclude) + b"\n"
