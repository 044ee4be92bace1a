"""Turns at SQLite's write lock across processes (issue 16, tenth round): the writers of a
process line up in arrival order and the first waits for a file lock in the kernel, so a
process that writes without pause cannot keep the lock from another; a turn not had within
the timeout is given up and the write goes on to SQLite's own lock."""

from __future__ import annotations

import errno
import fcntl
import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from openatt.register import write_turns
from openatt.register.db import Database
from openatt.register.write_turns import SUFFIX, WriteTurns, turns_for


def _turns(tmp_path: Path, timeout: float = 5.0) -> WriteTurns:
    return WriteTurns(tmp_path / "register.db-openatt-turns", timeout)


def _wait_until(check: object, seconds: float = 5.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_second_holder_of_the_file_waits_until_the_first_lets_go(tmp_path: Path) -> None:
    # two objects on one file stand for two processes: a flock belongs to the open file
    first, second = _turns(tmp_path), _turns(tmp_path)
    entered = threading.Event()

    def other() -> None:
        with second:
            entered.set()

    with first:
        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.2)
        assert not entered.is_set()
    assert entered.wait(5)
    thread.join()
    assert first.given_up == second.given_up == 0


def test_a_turn_not_had_in_time_is_given_up_and_the_lock_comes_back(tmp_path: Path) -> None:
    first, second = _turns(tmp_path), _turns(tmp_path, timeout=0.2)
    with first:
        started = time.monotonic()
        with second:  # writes without a turn: SQLite's own lock decides
            waited = time.monotonic() - started
        assert second.given_up == 1
        assert 0.15 < waited < 3
    # the helper's abandoned wait gets the lock once the first lets go, and lets it go again:
    # a third holder, and the second's next turn, both find it free
    third = _turns(tmp_path, timeout=5)
    _wait_until(lambda: not second.waiting_in_kernel)
    with third:
        pass
    with second:
        assert second.holds_file
    assert third.given_up == 0 and second.given_up == 1


def test_threads_of_one_process_take_their_turns_in_arrival_order(tmp_path: Path) -> None:
    turns = _turns(tmp_path)
    order: list[int] = []
    threads = []
    with turns:
        for number in range(6):

            def write(number: int = number) -> None:
                with turns:
                    order.append(number)

            thread = threading.Thread(target=write)
            thread.start()
            threads.append(thread)
            _wait_until(lambda n=number: turns._line.waiting == n + 1)
    for thread in threads:
        thread.join()
    assert order == list(range(6))


def test_a_turn_is_re_entrant_in_one_thread_and_kept_to_the_outer_end(tmp_path: Path) -> None:
    turns, other = _turns(tmp_path), _turns(tmp_path, timeout=0.1)
    with turns:
        with turns:
            assert turns.holds_file
        assert turns.holds_file  # the inner end let nothing go
        with other:
            pass
        assert other.given_up == 1
    _wait_until(lambda: not other.waiting_in_kernel)
    with other:
        assert other.holds_file


def test_without_a_file_the_turns_are_the_process_threads_only(tmp_path: Path) -> None:
    for turns in (
        turns_for(None, 1),
        turns_for(":memory:", 1),
        WriteTurns(tmp_path / "no such folder" / "x", 1),
    ):
        with turns:
            assert not turns.holds_file
    assert turns_for(str(tmp_path / "r.db"), 1).path == tmp_path / f"r.db{SUFFIX}"


def test_a_sqlite_register_gets_a_private_turns_file_beside_it(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'register.db'}", migrate=False)
    with database.write() as session:
        session.execute(text("CREATE TABLE t (i INTEGER)"))
    assert (tmp_path / f"register.db{SUFFIX}").exists()
    assert (tmp_path / f"register.db{SUFFIX}").stat().st_mode & 0o077 == 0
    database.dispose()


_HAMMER = textwrap.dedent(
    """
    import sys, time
    from sqlalchemy import text
    from openatt.register.db import Database

    database = Database(sys.argv[1], migrate=False)
    stop, ready = sys.argv[2], sys.argv[3]
    deadline = time.monotonic() + 30
    first = True
    while time.monotonic() < deadline:
        with database.write() as session:
            session.execute(text("INSERT INTO t VALUES ('hammer')"))
            time.sleep(0.005)  # a write that holds the lock a while, back to back
        if first:
            open(ready, "w").close()
            first = False
        try:
            open(stop).close()
            break
        except FileNotFoundError:
            pass
    """
)


def test_a_process_writing_without_pause_cannot_keep_the_lock_from_another(
    tmp_path: Path,
) -> None:
    """Under SQLite's busy handler alone the second process sleeps up to 100 ms between
    tries and finds the lock free in about 1 of 50 (seconds a write); with turns it waits
    in the kernel and is woken when the hammer lets go."""
    url = f"sqlite:///{tmp_path / 'register.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        connection.exec_driver_sql("CREATE TABLE t (who TEXT)")
    engine.dispose()
    stop, ready = tmp_path / "stop", tmp_path / "ready"
    hammer = subprocess.Popen([sys.executable, "-c", _HAMMER, url, str(stop), str(ready)])
    try:
        _wait_until(ready.exists, 30)
        database = Database(url, migrate=False)
        waits = []
        for _ in range(10):
            started = time.monotonic()
            with database.write() as session:
                session.execute(text("INSERT INTO t VALUES ('other')"))
            waits.append(time.monotonic() - started)
            time.sleep(0.01)
        database.dispose()
    finally:
        stop.touch()
        hammer.wait(30)
    assert hammer.returncode == 0
    # each write waited about one of the hammer's (5 ms), never the busy handler's rounds
    # (without turns one waited 17 s: the bound leaves room for a stalled CI machine)
    assert max(waits) < 5.0, waits
    assert sorted(waits)[len(waits) // 2] < 0.25, waits


@pytest.mark.parametrize("holders", [2, 3])
def test_every_write_of_several_processes_lands_once(tmp_path: Path, holders: int) -> None:
    url = f"sqlite:///{tmp_path / 'register.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        connection.exec_driver_sql("CREATE TABLE t (who TEXT)")
    script = textwrap.dedent(
        """
        import sys
        from sqlalchemy import text
        from openatt.register.db import Database
        database = Database(sys.argv[1], migrate=False)
        for _ in range(40):
            with database.write() as session:
                session.execute(text("INSERT INTO t VALUES (:who)"), {"who": sys.argv[2]})
        """
    )
    children = [
        subprocess.Popen([sys.executable, "-c", script, url, f"p{n}"]) for n in range(holders)
    ]
    for child in children:
        assert child.wait(120) == 0
    with engine.connect() as connection:
        counts = dict(connection.exec_driver_sql("SELECT who, count(*) FROM t GROUP BY who").all())
    engine.dispose()
    assert counts == {f"p{n}": 40 for n in range(holders)}


def test_closing_or_dropping_turns_closes_the_file_and_ends_the_helper(tmp_path: Path) -> None:
    first, second = _turns(tmp_path), _turns(tmp_path, timeout=0.05)
    with first, second:  # the second waits through its helper, then gives up
        pass
    _wait_until(lambda turns=second: not turns.waiting_in_kernel)
    helper = second._waits.thread
    descriptor = second._waits.descriptor
    assert helper is not None and helper.is_alive() and descriptor is not None
    second.close()
    helper.join(5)
    assert not helper.is_alive()
    with pytest.raises(OSError):
        os.fstat(descriptor)
    with second:  # a later turn opens the file again
        assert second.holds_file
    with first, second:
        pass
    _wait_until(lambda turns=second: not turns.waiting_in_kernel)
    helper = second._waits.thread
    assert helper is not None and helper.is_alive()
    del second
    gc.collect()
    helper.join(5)
    assert not helper.is_alive()


def test_a_file_system_without_locks_leaves_the_writes_to_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock the file system refuses (ENOLCK on some network mounts) is no error: the turn
    is given up at once and later turns do not wait for the file either."""
    real = fcntl.flock

    def refusing(descriptor: int, operation: int) -> None:
        if operation & fcntl.LOCK_EX:
            raise OSError(errno.ENOLCK, "no locks available")
        real(descriptor, operation)

    monkeypatch.setattr(write_turns.fcntl, "flock", refusing)
    turns = _turns(tmp_path, timeout=30)
    started = time.monotonic()
    for _ in range(3):
        with turns:
            assert not turns.holds_file
    assert time.monotonic() - started < 5

    def blocked_then_refused(descriptor: int, operation: int) -> None:
        if operation & fcntl.LOCK_NB:
            raise BlockingIOError(errno.EWOULDBLOCK, "taken")
        refusing(descriptor, operation)

    monkeypatch.setattr(write_turns.fcntl, "flock", blocked_then_refused)
    waiting = _turns(tmp_path, timeout=30)
    started = time.monotonic()
    with waiting:  # the helper's wait fails: answered at once, without the file
        assert not waiting.holds_file
    with waiting:
        assert not waiting.holds_file
    assert time.monotonic() - started < 5 and waiting.given_up == 0


def test_an_interrupted_wait_gives_the_lock_back_when_it_comes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception while a writer waits for its turn (a signal's handler, say) must not
    leave the lock to come to nobody: the helper lets it go again."""

    class Interrupted(Exception):
        pass

    class Stopping(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            raise Interrupted

    first, second = _turns(tmp_path), _turns(tmp_path, timeout=30)
    with first:
        original = write_turns._Request

        def interrupted_request() -> write_turns._Request:
            return original(done=Stopping())

        monkeypatch.setattr(write_turns, "_Request", interrupted_request)
        with pytest.raises(Interrupted), second:
            pass
        monkeypatch.undo()
        assert second.given_up == 1 and not second.holds_file
    _wait_until(lambda: not second.waiting_in_kernel)
    third = _turns(tmp_path, timeout=0.5)
    with third:
        assert third.holds_file  # the lock came back


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_takes_turns_on_its_own_open_file(tmp_path: Path) -> None:
    """A flock belongs to the open file, which a child shares after fork: were the parent's
    descriptor used there, the child would take the lock the parent holds."""
    turns = WriteTurns(tmp_path / "turns", 0.3)
    with turns:
        pass  # the parent's descriptor is open
    with turns:
        child = os.fork()
        if child == 0:  # pragma: no cover (the child's report is its exit code)
            code = 1
            try:
                turns.__exit__(None, None, None)  # leaving the parent's turn lets nothing go
                with turns:
                    code = 0 if (not turns.holds_file and turns.given_up == 1) else 3
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        probe = WriteTurns(tmp_path / "turns", 0.1)
        with probe:  # the parent's lock is still held
            assert not probe.holds_file and probe.given_up == 1
