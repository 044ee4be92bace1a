"""Turns at SQLite's one write lock for the processes that share a register file.

SQLite lets one connection write at a time. A connection that finds the lock taken sleeps in
its busy handler (1, 2, 5, ... then 100 ms at a time) and tries again; meanwhile the process
that holds the lock hands it to its own next writer, which is already running. Under
``openatt serve --workers 2`` that let one process keep the lock through many writes while
the other's writers slept: writes waited seconds (p99 1.8 to 3.5 s at 50 clients in issue
16's ninth round, against 0.4 to 0.7 s with one worker).

Here a write first takes a *turn*. In a process the writers line up in arrival order
(:class:`~openatt.register.fair_slots.FairSlots`); the first in line waits for an exclusive
``flock`` on a small file beside the register, in the kernel, which wakes it as soon as the
holder lets go instead of after a sleep. SQLite's own lock still guards the data: the turn
only orders who asks for it, so a turn that cannot be had (no file can be made beside the
register) or is not had within the busy timeout (a writer stuck in another process) is
given up, and the write goes on to SQLite's lock as before, which then waits and fails as it
always did.

The wait for the file lock runs on one helper thread a process, so that it can end at the
timeout: a blocking ``flock`` cannot be interrupted from Python. Every blocking wait of a
process goes through that thread, one at a time, and a wait abandoned at the timeout is
undone by the thread itself when the lock comes, so no writer ever believes it holds a lock
that the thread has just let go.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from openatt.register.fair_slots import FairSlots
from openatt.register.files import OWNER_ONLY

SUFFIX = "-openatt-turns"


@dataclass
class _Request:
    """One blocking wait for the file lock, handed to the helper thread."""

    granted: bool = False
    abandoned: bool = False
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Waits:
    """What the helper thread shares with its turns (not the turns themselves, so that
    turns no longer used are collected: their file is then closed and the thread ends)."""

    state: threading.Lock = field(default_factory=threading.Lock)
    requests: queue.SimpleQueue[_Request | None] = field(default_factory=queue.SimpleQueue)
    busy: bool = False  # a wait is queued or under way: nobody else may touch the lock
    abandoned: int = 0  # waits given up whose lock has not come yet
    broken: bool = False  # the file cannot be locked (a file system without locks)
    descriptor: int | None = None  # None: no file: no turns across processes
    thread: threading.Thread | None = None


def _wait_loop(waits: _Waits, descriptor: int) -> None:
    """The helper thread: each wait in turn, in the kernel (the interpreter's lock is let go
    meanwhile); a wait its writer gave up is undone here. ``None`` ends it, and the thread
    then closes the file, which no wait of its queue can still be using. A file that cannot
    be locked (a file system without locks) ends the turns across processes."""
    while (request := waits.requests.get()) is not None:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            locked = True
        except OSError:
            locked = False
        with waits.state:
            if request.abandoned:
                waits.abandoned -= 1
                if locked:
                    fcntl.flock(descriptor, fcntl.LOCK_UN)
            elif locked:
                request.granted = True
            if not locked:
                waits.broken = True  # every later turn writes without the file
            request.done.set()
            waits.busy = not waits.requests.empty()
    os.close(descriptor)


def _close(waits: _Waits) -> None:
    """Close the file: at once, or by the helper thread once its queue is done."""
    with waits.state:
        descriptor, waits.descriptor = waits.descriptor, None
        if waits.thread is not None:
            waits.requests.put(None)
            waits.thread = None
            return
    if descriptor is not None:
        os.close(descriptor)


_ALL: weakref.WeakSet[WriteTurns] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child starts its turns afresh: its own line, and its own file opened at its
    first turn. The inherited descriptor is closed (that does not let go of a lock the
    parent holds; keeping it open would keep the parent's lock alive should the parent
    close its own), and the parent's helper thread is not in the child."""
    for turns in list(_ALL):
        inherited = turns._waits.descriptor
        turns._start()
        if inherited is not None:
            with contextlib.suppress(OSError):
                os.close(inherited)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class WriteTurns:
    """A context manager: the calling thread's turn to write (re-entrant in one thread).

    ``path`` is the lock file (``None``: turns among this process's threads only);
    ``timeout`` how long to wait for another process before writing without a turn.
    """

    def __init__(self, path: Path | None, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self.given_up = 0  # turns not had within the timeout (for tests and the curious)
        self._waits = _Waits()
        self._closing = weakref.finalize(self, _close, self._waits)
        self._start()
        _ALL.add(self)

    def _start(self) -> None:
        """This process's line, and its own lock file to open at its first turn."""
        self._line = FairSlots(1)  # this process's writers, in arrival order
        self._owner: int | None = None
        self._depth = 0
        self._held: _Waits | None = None  # the waits whose file lock this turn holds
        self._file_ready = False
        self._closing.detach()  # a child leaves its parent's thread alone
        self._waits = _Waits()
        self._closing = weakref.finalize(self, _close, self._waits)

    def __enter__(self) -> WriteTurns:
        me = threading.get_ident()
        if self._owner == me:
            self._depth += 1
            return self
        self._line.acquire()
        self._owner = me
        self._depth = 1
        try:
            self._held = self._lock_file()
        except BaseException:
            self._owner = None
            self._line.release()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._owner != threading.get_ident():  # a forked child of a turn: not its own
            return
        self._depth -= 1
        if self._depth:
            return
        held, self._held = self._held, None
        try:
            if held is not None:
                with held.state:  # under the lock: close() may be closing the file
                    if held.descriptor is not None:
                        fcntl.flock(held.descriptor, fcntl.LOCK_UN)
        finally:
            self._owner = None
            self._line.release()

    def close(self) -> None:
        """Close the lock file and end the helper thread (a later turn opens them again)."""
        self._closing()
        self._file_ready = False

    @property
    def holds_file(self) -> bool:
        """Whether the turn being taken now holds the file lock (else SQLite alone orders)."""
        return self._held is not None

    @property
    def waiting_in_kernel(self) -> bool:
        """Whether the helper thread has a wait queued or under way."""
        return self._waits.busy

    def _lock_file(self) -> _Waits | None:
        """Take the file lock for the thread at the head of the line: at once if free, else
        through the helper thread, for at most the timeout. The waits it was taken through,
        or None: write without it (SQLite's own lock then orders the writers)."""
        if self.path is None:
            return None
        if not self._file_ready:
            self._open()
        waits = self._waits
        with waits.state:
            descriptor = waits.descriptor
            if descriptor is None or waits.broken:
                return None
            if waits.abandoned:
                # a wait given up is still pending: a writer is stuck elsewhere, and each
                # writer waiting out the timeout again would double its wait before SQLite's
                return None
            if not waits.busy:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return waits
                except BlockingIOError:
                    pass
                except OSError:  # a file system without locks: no turns across processes
                    waits.broken = True
                    return None
            request = _Request()
            waits.busy = True
            waits.requests.put(request)
            if waits.thread is None:
                waits.thread = threading.Thread(
                    target=_wait_loop,
                    args=(waits, descriptor),
                    name="openatt-write-turns",
                    daemon=True,
                )
                waits.thread.start()
        try:
            request.done.wait(self.timeout)
        finally:  # also when interrupted: a lock granted to nobody would stall the others
            with waits.state:
                if not request.done.is_set():  # the helper has not answered: give it up
                    request.abandoned = True
                    waits.abandoned += 1
                    self.given_up += 1
        return waits if request.granted else None

    def _open(self) -> None:
        """Open the lock file, with a new helper's waits (the first turn, or after
        :meth:`close`)."""
        assert self.path is not None
        self._closing()  # the earlier file and helper, if still there
        self._waits = _Waits()
        self._closing = weakref.finalize(self, _close, self._waits)
        self._file_ready = True
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
        try:
            self._waits.descriptor = os.open(self.path, flags, OWNER_ONLY)
        except OSError:  # no file beside the register: turns among this process's threads
            self._waits.descriptor = None


def turns_for(database: str | None, timeout: float) -> WriteTurns:
    """The turns of a SQLite register file (``None`` or ``:memory:``: this process only)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return WriteTurns(None, timeout)
    return WriteTurns(Path(f"{Path(database).expanduser()}{SUFFIX}"), timeout)
