"""Keep-alive connections spread over ``openatt serve --workers N``'s processes (issue 16):
the share rule, the siblings' files, the middleware's answers, and a real two-worker server
whose connections all landed on one worker."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from openatt.api import worker_balance
from openatt.api.worker_balance import (
    ACTIVE_SECONDS,
    CHECK_SECONDS,
    WorkerBalance,
    WorkerShare,
    over_share,
)


def test_the_share_rule() -> None:
    assert not over_share(31, [])  # alone: nothing to balance with
    assert over_share(31, [19])
    assert not over_share(26, [24]) and not over_share(25, [25])
    assert over_share(27, [23])  # the share (25) plus one is the most kept
    assert not over_share(3, [2])  # an odd total does not move back and forth
    assert over_share(20, [15, 15])  # three workers: share 17, 20 > 18
    assert not over_share(18, [16, 16])
    assert over_share(10, [0])  # an idle sibling draws connections


@pytest.fixture
def children() -> Any:
    """Start stand-ins for sibling workers: processes whose parent is the test process,
    which plays the supervisor (``WorkerShare(..., supervisor=os.getpid())``)."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> int:
        child = subprocess.Popen(["sleep", "60"])
        started.append(child)
        return child.pid

    yield start
    for child in started:
        child.kill()
        child.wait()


def _share(folder: Path, pid: int) -> WorkerShare:
    return WorkerShare(folder, pid=pid, supervisor=os.getpid())


def test_siblings_read_each_others_counts(tmp_path: Path, children: Any) -> None:
    now = time.monotonic()
    mine = _share(tmp_path, children())
    sibling = _share(tmp_path, children())
    sibling.publish(7, now)
    mine.publish(3, now)
    assert mine.others(now) == [7]
    assert sibling.others(now) == [3]
    # a count older than ACTIVE_SECONDS is stale: that worker answered nothing since...
    assert mine.others(now + ACTIVE_SECONDS + 0.5) == [0]
    # ...unless requests were running when it wrote it: clients waiting on long requests
    sibling.publish(7, now, running=3)
    assert mine.others(now + 10 * ACTIVE_SECONDS) == [7]
    # a file left by a worker that died is skipped and removed
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _share(tmp_path, dead.pid).publish(50, now)
    assert mine.others(now) == [7]
    assert not (tmp_path / str(dead.pid)).exists()
    # so is one whose pid now belongs to a process of another parent (a reused pid)
    _share(tmp_path, os.getppid()).publish(0, now)
    assert mine.others(now) == [7]
    assert not (tmp_path / str(os.getppid())).exists()
    sibling.close()
    sibling.publish(9, now)  # after close: written nowhere
    assert mine.others(now) == []
    mine.close()
    assert not tmp_path.exists()  # the last worker removes the folder


class _Recorder:
    """The app behind the middleware: answers 200 and keeps what it sent."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x", b"1")]})
        await send({"type": "http.response.body", "body": b"ok"})


async def _answer(balance: WorkerBalance, client: tuple[str, int]) -> list[Any]:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    await balance({"type": "http", "client": client}, receive, send)
    return sent


def _closes(messages: list[Any]) -> bool:
    headers = dict(messages[0]["headers"])
    assert headers[b"x"] == b"1"  # the app's own headers are kept
    return headers.get(b"connection") == b"close"


def test_a_worker_over_its_share_closes_one_connection_a_check(
    tmp_path: Path, children: Any
) -> None:
    clock = [1000.0]
    sibling = _share(tmp_path, children())
    share = _share(tmp_path, children())
    balance = WorkerBalance(_Recorder(), share, clock=lambda: clock[0])

    async def run() -> None:
        sibling.publish(2, clock[0])
        # ten clients arrive on this worker; the check at the first found it holding one
        ports = range(1000, 1010)
        for port in ports:
            assert not _closes(await _answer(balance, ("10.0.0.1", port)))
        # the next check finds 10 against 2: one of the ten is told to close, one only
        clock[0] += CHECK_SECONDS
        closed = [_closes(await _answer(balance, ("10.0.0.1", port))) for port in ports]
        assert closed.count(True) == 1
        # later checks move more, until this worker holds no more than its share plus one
        moved = 1
        here = [("10.0.0.1", port) for port, close in zip(ports, closed, strict=True) if not close]
        for _ in range(20):  # each tick, every client still here sends a request
            clock[0] += CHECK_SECONDS
            sibling.publish(2 + moved, clock[0])
            for client in list(here):
                if _closes(await _answer(balance, client)):
                    here.remove(client)
                    moved += 1
        assert moved == 3  # 10/2 became 7/5: 7 is not more than the share (6) plus one
        assert len(balance.active) == 7 and balance.closed == 3
        # a client idle for longer than ACTIVE_SECONDS no longer counts as this worker's
        clock[0] += ACTIVE_SECONDS + CHECK_SECONDS
        sibling.publish(5, clock[0])
        assert not _closes(await _answer(balance, ("10.0.0.2", 1)))
        assert len(balance.active) == 1

    asyncio.run(run())


def test_a_lone_worker_and_non_http_scopes_pass_through(tmp_path: Path, children: Any) -> None:
    share = _share(tmp_path, children())
    balance = WorkerBalance(_Recorder(), share)

    async def run() -> None:
        for port in range(1, 31):
            assert not _closes(await _answer(balance, ("10.0.0.1", port)))
        seen: list[str] = []

        async def app(scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope["type"])

        async def shutting_down(scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope["type"])
            await send({"type": "lifespan.shutdown.complete"})

        async def sent(message: Any) -> None:
            seen.append(message["type"])

        await WorkerBalance(app, share)({"type": "websocket", "client": ("a", 1)}, None, sent)  # type: ignore[arg-type]
        assert seen == ["websocket"]
        assert share.path.exists()
        # the worker's file goes when its app has shut down
        await WorkerBalance(shutting_down, share)({"type": "lifespan"}, None, sent)  # type: ignore[arg-type]
        assert seen == ["websocket", "lifespan", "lifespan.shutdown.complete"]
        assert not share.path.exists()

    asyncio.run(run())
    assert worker_balance.sibling_folder() is None  # the test process is nobody's worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc")
def test_two_workers_even_out_connections_that_all_landed_on_one(tmp_path: Path) -> None:
    """One worker is stopped while 16 clients connect, so all 16 land on the other; once
    both run, the clients' requests (reconnecting when told to close, as browsers do) end
    with the connections spread 8 and 8, give or take one, and every request answered."""
    sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
    from worker_sockets import connections_by_process, workers

    port = _free_port()
    database = tmp_path / "served.sqlite"
    command = [sys.executable, "-c", "from openatt.cli.main import main; main()", "serve"]
    command += ["--database", f"sqlite:///{database}", "--port", str(port), "--workers", "2"]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/health"
    folder = Path(worker_balance.tempfile.gettempdir()) / f"openatt-workers-{server.pid}"
    try:
        # ready when both workers have started their app (uvicorn logs it)
        deadline = time.monotonic() + 90
        while (tmp_path / "serve.log").read_text().count("Application startup complete") < 2:
            assert server.poll() is None, "serve exited"
            assert time.monotonic() < deadline, "serve's two workers did not start"
            time.sleep(0.1)
        pids = sorted(workers(server.pid))
        stopped, running = pids
        os.kill(stopped, signal.SIGSTOP)
        try:
            clients = [httpx.Client(timeout=10) for _ in range(16)]
            for client in clients:
                try:
                    assert client.get(url).status_code == 200
                except httpx.HTTPError as error:
                    raise AssertionError((tmp_path / "serve.log").read_text()) from error
            before = connections_by_process(pids, port)
        finally:
            os.kill(stopped, signal.SIGCONT)
        assert before == {stopped: 0, running: 16}  # the imbalance the rule must mend
        answered = 0
        closes = 0
        end = time.monotonic() + 6 * ACTIVE_SECONDS
        while time.monotonic() < end:
            for client in clients:
                response = client.get(url)
                assert response.status_code == 200
                answered += 1
                closes += response.headers.get("connection") == "close"
            time.sleep(0.01)
        after = connections_by_process(pids, port)
        assert sum(after.values()) == 16, after
        assert abs(after[stopped] - after[running]) <= 2, after
        assert closes >= 6  # the connections that moved were told to, one at a time
        assert closes < answered / 10
        assert sorted(int(f.name) for f in folder.glob("[0-9]*")) == pids  # one file a worker
        for client in clients:
            client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not folder.exists()  # each worker removed its file, the last one the folder


def test_the_siblings_folder_is_this_users_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker (a process with a parent process) uses a private folder named after its
    parent; a link or a folder others can write under that name is not trusted."""
    monkeypatch.setattr(worker_balance.multiprocessing, "parent_process", lambda: object())
    monkeypatch.setattr(worker_balance.tempfile, "tempdir", str(tmp_path))
    expected = tmp_path / f"openatt-workers-{os.getppid()}"
    assert worker_balance.sibling_folder() == expected
    assert expected.stat().st_mode & 0o777 == 0o700
    expected.chmod(0o755)
    assert worker_balance.sibling_folder() is None
    expected.rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    expected.symlink_to(elsewhere)
    assert worker_balance.sibling_folder() is None


def test_folders_left_by_servers_that_are_gone_are_swept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: Any
) -> None:
    """A server killed hard leaves its workers' folder in the temp dir: the next worker to
    start removes those whose server is gone, and nothing else."""
    monkeypatch.setattr(worker_balance.multiprocessing, "parent_process", lambda: object())
    monkeypatch.setattr(worker_balance.tempfile, "tempdir", str(tmp_path))
    finished = subprocess.Popen(["true"])
    finished.wait()
    gone = tmp_path / f"openatt-workers-{finished.pid}"
    gone.mkdir(mode=0o700)
    (gone / "4242").write_bytes(b"\0" * 24)
    long_ago = time.time() - 2 * worker_balance.LEFT_FOR_SECONDS
    for path in (gone / "4242", gone):
        os.utime(path, (long_ago, long_ago))
    huge = tmp_path / f"openatt-workers-{10**30}"  # no such process can exist, nor be asked
    huge.mkdir(mode=0o700)
    running = tmp_path / f"openatt-workers-{children()}"  # a server still there
    running.mkdir(mode=0o700)
    (running / "4243").write_bytes(b"\0" * 24)
    odd = tmp_path / "openatt-workers-x1"
    odd.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "17").write_bytes(b"kept")
    finished_too = subprocess.Popen(["true"])
    finished_too.wait()
    linked = tmp_path / f"openatt-workers-{finished_too.pid}"
    linked.symlink_to(elsewhere)  # a link is never followed
    finished_recently = subprocess.Popen(["true"])
    finished_recently.wait()
    # touched within the hour: perhaps a server whose pids this process cannot see
    recent = tmp_path / f"openatt-workers-{finished_recently.pid}"
    recent.mkdir(mode=0o700)
    (recent / "4244").write_bytes(b"\0" * 24)
    assert worker_balance.sibling_folder() == tmp_path / f"openatt-workers-{os.getppid()}"
    assert not gone.exists()
    assert (recent / "4244").exists() and huge.is_dir()
    assert (running / "4243").exists() and odd.is_dir()
    assert linked.is_symlink() and (elsewhere / "17").read_bytes() == b"kept"


def test_a_client_waiting_for_a_long_answer_still_counts(tmp_path: Path, children: Any) -> None:
    """A request that runs longer than ACTIVE_SECONDS (a write waiting for SQLite's lock)
    keeps its connection counted, and is dated again when it is answered."""
    clock = [1000.0]
    share = _share(tmp_path, children())
    sibling = _share(tmp_path, children())
    release = asyncio.Event()

    async def slow(scope: Any, receive: Any, send: Any) -> None:
        if scope["client"][1] == 1:
            await release.wait()
        await _Recorder()(scope, receive, send)

    balance = WorkerBalance(slow, share, clock=lambda: clock[0])

    async def run() -> None:
        waiting = asyncio.create_task(_answer(balance, ("10.0.0.1", 1)))
        await asyncio.sleep(0)
        clock[0] += 5 * ACTIVE_SECONDS
        await _answer(balance, ("10.0.0.1", 2))  # a check, long after the first one began
        assert set(balance.active) == {("10.0.0.1", 1), ("10.0.0.1", 2)}
        # its siblings see the count as true, however long ago it was written
        assert sibling.others(clock[0] + 10 * ACTIVE_SECONDS) == [2]
        release.set()
        await waiting
        assert balance.active[("10.0.0.1", 1)] == clock[0]
        # with nothing running, the count is written again and ages as usual
        assert sibling.others(clock[0]) == [2]
        assert sibling.others(clock[0] + 2 * ACTIVE_SECONDS) == [0]

    asyncio.run(run())


def test_forwarded_addresses_and_a_vanished_folder_leave_requests_alone(
    tmp_path: Path, children: Any
) -> None:
    """Behind a proxy whose X-Forwarded-For uvicorn trusts, the client is an address with
    port 0, which many connections share: not counted, never closed. A folder removed by a
    temp cleaner stops the balancing, not the answers."""
    folder = tmp_path / "siblings"
    folder.mkdir()
    clock = [1000.0]
    share = _share(folder, children())
    sibling = _share(folder, children())
    balance = WorkerBalance(_Recorder(), share, clock=lambda: clock[0])

    async def run() -> None:
        sibling.publish(0, clock[0])
        for _ in range(5):
            clock[0] += CHECK_SECONDS
            assert not _closes(await _answer(balance, ("203.0.113.7", 0)))
        assert balance.active == {}
        for port in range(1, 11):
            await _answer(balance, ("10.0.0.1", port))
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
        for port in range(1, 11):
            clock[0] += CHECK_SECONDS
            assert not _closes(await _answer(balance, ("10.0.0.1", port)))
        assert balance.broken

    asyncio.run(run())
