"""A bounded number of slots, given to waiting threads in the order they asked.

The server lets only a few write transactions run at once per process on PostgreSQL (see
:data:`openatt.register.db.PG_WRITERS_PER_PROCESS`). ``threading.Semaphore`` is not fair: a
thread that arrives just as a slot frees takes it before the waiters, and a woken waiter
that finds the slot gone waits again, at the back of the queue. Under 50 clients that made a
few writes wait many times over (a p99 four to ten times the median, issue 16, fifth
round). Here a released slot is handed straight to the longest waiter; a newcomer takes a
slot only when nobody waits.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FairSlots:
    """At most ``size`` holders at once (a context manager); the others wait in arrival
    order."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a positive number of slots")
        self._lock = threading.Lock()
        self._free = size
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiting.append(gate)
        gate.acquire()  # opened by the holder that hands its slot over (release)

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()  # the slot passes on: still taken
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        """How many threads wait for a slot now."""
        return len(self._waiting)

    def __enter__(self) -> FairSlots:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()
