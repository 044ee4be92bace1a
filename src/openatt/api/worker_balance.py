"""Keep-alive connections spread evenly over the worker processes of ``openatt serve --workers N``.

Why (issue 16, the writes' p99): uvicorn's workers share one listening socket, and the
worker whose event loop looks first accepts every connection waiting (uvloop accepts until
the queue is empty). A burst of clients opening their connections at once (a load test's 50;
officers' browsers after a restart or a network blip) is split unevenly, 31 and 19 of 50 in
one measured phase, and stays so as long as the connections are kept alive. Each worker
serves its own connections with its share of the CPU, so the clients of the fuller worker
wait longer for every answer, and the slowest hundredth of all answers comes from them.

How: each worker counts the clients whose request it is answering or answered in the last
:data:`ACTIVE_SECONDS` (its connections in use) and writes the count, with the time and the
requests it is running, in a small file of its own in a folder shared by the workers of one
server (named after their parent, uvicorn's supervisor).
At most every :data:`CHECK_SECONDS` it reads the others' counts; a worker holding more than
its share plus one (:func:`over_share`) answers one request with ``Connection: close``. The
client (a browser, any HTTP/1.1 client) opens a new connection for its next request, and the
listening socket gives it to whichever worker accepts first, most often the less busy one;
a connection that comes back to a worker over its share is closed again later. No request is
refused or repeated: the closing answer is the request's own, complete.

Workers publish only while they answer; a count older than :data:`ACTIVE_SECONDS`, written
while the worker ran no request, counts as none, so a worker left idle draws connections to
it. A single process (``openatt serve``, ``uvicorn … --factory`` without ``--workers``) does
not take part; workers forked by another supervisor (gunicorn) are not recognised and are
left as their supervisor spreads them. Requests whose client uvicorn replaced by a trusted
proxy's forwarded address (no port: not one connection) are neither counted nor closed.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import stat
import struct
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A client answered within this many seconds holds a connection in use; a worker's count
# older than this is stale (the worker answered nothing since) and counts as none.
ACTIVE_SECONDS = 1.0
# How often a worker publishes its count and reads the others' (and closes at most one
# connection): ten times a second moves a 31/19 split to 25/25 in about a second.
CHECK_SECONDS = 0.1
# The "last answered" time of a client whose request is running: a request that waits
# seconds (SQLite's write lock under load) keeps its connection counted.
IN_FLIGHT = math.inf
# The count of clients in use, when it was written (``time.monotonic``, one clock for every
# process of the machine on Linux), and how many requests were running then: a worker whose
# clients all wait on long requests answers nothing new, yet its count stays true.
_RECORD = struct.Struct("<qdq")


def over_share(mine: int, others: list[int]) -> bool:
    """Whether a worker holding ``mine`` connections in use, its siblings ``others``, holds
    more than its share (the total over the workers, rounded up) plus one. The one of slack
    keeps an odd total or a client arriving between two checks from moving back and forth."""
    if not others:
        return False
    share = math.ceil((mine + sum(others)) / (len(others) + 1))
    return mine > share + 1


def _parent_of(pid: int) -> int | None:
    """The parent of process ``pid`` (None if there is no such process), from /proc; where
    there is no /proc, the pid itself when the process exists (it is then taken on trust)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[1])
    except (OSError, IndexError, ValueError):
        if Path("/proc/self/stat").exists():
            return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


class WorkerShare:
    """This worker's file in the siblings' folder: its count written, the others' read.
    A sibling is a process whose parent is this worker's (``supervisor``): a file whose pid
    is gone, or was reused by a process of another parent, is a dead worker's, removed."""

    def __init__(self, folder: Path, pid: int | None = None, supervisor: int | None = None) -> None:
        self.folder = folder
        self.pid = os.getpid() if pid is None else pid
        self.supervisor = os.getppid() if supervisor is None else supervisor
        self.path = folder / str(self.pid)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self.publish(0, -math.inf)  # nothing answered yet

    def publish(self, count: int, now: float, running: int = 0) -> None:
        if self._fd is not None:  # never after close: the number may be another file's
            os.pwrite(self._fd, _RECORD.pack(count, now, running), 0)

    def _sibling(self, pid: int) -> bool:
        parent = _parent_of(pid)
        return parent is not None and parent in {self.supervisor, pid}

    def others(self, now: float) -> list[int]:
        """The counts of the live siblings; a count older than :data:`ACTIVE_SECONDS` while
        that worker ran no request counts as 0; a dead worker's file is skipped and removed."""
        counts: list[int] = []
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if not entry.name.isdigit() or int(entry.name) == self.pid:
                    continue
                if not self._sibling(int(entry.name)):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                    continue
                try:
                    with open(entry.path, "rb") as file:
                        raw = file.read(_RECORD.size)
                except OSError:  # removed by its worker meanwhile
                    continue
                if len(raw) != _RECORD.size:
                    continue
                count, written, running = _RECORD.unpack(raw)
                fresh = running > 0 or 0 <= now - written <= ACTIVE_SECONDS
                counts.append(count if fresh and 0 <= count < 1_000_000 else 0)
        return counts

    def close(self) -> None:
        """Remove this worker's file, and the folder when it was the last one."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            self.folder.rmdir()


FOLDER_PREFIX = "openatt-workers-"


# a folder touched this recently is left alone even if its server looks gone: a server in
# another process namespace (a container sharing the temp dir) has pids this one cannot see
LEFT_FOR_SECONDS = 3600.0


def sweep_left_folders(root: Path, now: float | None = None) -> int:
    """Remove the folders that servers gone without their lifespan's end (killed hard) left
    in ``root``: this user's own, not links, untouched for :data:`LEFT_FOR_SECONDS`, named
    after a process that no longer exists; only the workers' files inside are removed, so
    a folder holding anything else stays. Returns how many were removed."""
    now = time.time() if now is None else now
    removed = 0
    try:
        with os.scandir(root) as entries:
            names = [e.name for e in entries if e.name.startswith(FOLDER_PREFIX)]
    except OSError:
        return 0
    for name in names:
        number = name.removeprefix(FOLDER_PREFIX)
        if not number.isdigit() or len(number) > 9:  # pids are below 2**22 on Linux
            continue
        folder = root / name
        try:
            status = folder.lstat()
            if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid():
                continue
            if _parent_of(int(number)) is not None:
                continue
            with os.scandir(folder) as listing:
                files = [
                    e for e in listing if e.name.isdigit() and e.is_file(follow_symlinks=False)
                ]
            touched = max(
                [status.st_mtime, *(e.stat(follow_symlinks=False).st_mtime for e in files)]
            )
            if now - touched < LEFT_FOR_SECONDS:
                continue
            for item in files:
                os.unlink(item.path)
            folder.rmdir()
            removed += 1
        except OSError:  # another worker swept it first, or it holds something else
            continue
    return removed


def sibling_folder() -> Path | None:
    """The folder of this process's sibling workers, created if needed; None when this
    process is not a worker started by a parent process (``multiprocessing``'s spawn, as
    uvicorn's supervisor starts its workers), or when the folder is not this user's own.
    Folders left by servers that are gone are swept first."""
    if multiprocessing.parent_process() is None:
        return None
    root = Path(tempfile.gettempdir())
    sweep_left_folders(root)
    folder = root / f"{FOLDER_PREFIX}{os.getppid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        status = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
        return None  # a link, or someone else's folder under that name: not trusted
    return folder


class WorkerBalance:
    """ASGI middleware, outermost: counts the clients this worker answers and, when the
    worker holds more than its share of them, answers one request with ``Connection: close``."""

    def __init__(
        self, app: ASGIApp, share: WorkerShare, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app = app
        self.share = share
        self.clock = clock
        self.active: dict[Any, float] = {}  # client address -> when last answered
        self.running = 0  # requests in flight
        self.checked = -math.inf
        self.closed = 0  # connections this worker closed to move them (for tests and logs)
        self.broken = False  # the folder failed (removed by a cleaner): no more balancing

    def _leaving(self, send: Send) -> Send:
        """``send`` of the lifespan: the worker's file goes when the app has shut down (an
        exit hook would not run: uvicorn's worker ends by raising the signal it caught)."""

        async def leaving(message: Message) -> None:
            if message["type"] in {"lifespan.shutdown.complete", "lifespan.shutdown.failed"}:
                self.share.close()
            await send(message)

        return leaving

    def _close_this(self, client: Any, now: float) -> bool:
        if now - self.checked < CHECK_SECONDS:
            return False
        self.checked = now
        horizon = now - ACTIVE_SECONDS
        self.active = {c: t for c, t in self.active.items() if t >= horizon}
        mine = len(self.active)
        try:
            self.share.publish(mine, now, self.running)
            if not over_share(mine, self.share.others(now)):
                return False
            self.active.pop(client, None)  # leaving: no longer this worker's
            self.share.publish(mine - 1, now, self.running)
        except OSError:  # the folder or a file went (a temp cleaner): serve on, unbalanced
            self.broken = True
            return False
        self.closed += 1
        return True

    def _answered(self, client: Any) -> None:
        self.running -= 1
        if client in self.active:
            now = self.clock()
            self.active[client] = now
            if not self.running and not self.broken:  # no longer fresh by running requests
                with contextlib.suppress(OSError):
                    self.share.publish(len(self.active), now, 0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._leaving(send))
            return
        client = scope.get("client")
        # A client without its own port is not a connection: uvicorn put the address a
        # trusted proxy forwarded (X-Forwarded-For) in its place, and many connections may
        # share it. Such requests are neither counted nor told to close.
        if scope["type"] != "http" or not client or not client[1] or self.broken:
            await self.app(scope, receive, send)
            return
        now = self.clock()
        self.active[client] = IN_FLIGHT  # in use while its request runs, however long
        self.running += 1
        if not self._close_this(client, now):
            try:
                await self.app(scope, receive, send)
            finally:
                self._answered(client)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"connection"
                ]
                message["headers"] = [*headers, (b"connection", b"close")]
            await send(message)

        try:
            await self.app(scope, receive, closing)
        finally:
            self.running -= 1


def install(app: Any) -> WorkerShare | None:
    """Add :class:`WorkerBalance` to ``app`` (a FastAPI app not started yet) when this
    process is one of several workers; the worker's file is removed when the app shuts down
    (a worker that dies without shutting down leaves it to its siblings, who skip and remove
    the files of dead workers)."""
    folder = sibling_folder()
    if folder is None:
        return None
    try:
        share = WorkerShare(folder)
    except OSError:  # the folder went meanwhile (the last sibling leaving removed it)
        return None
    app.add_middleware(WorkerBalance, share=share)
    return share
