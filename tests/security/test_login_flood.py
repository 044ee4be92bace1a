"""Issue 13's login flood: refused logins used to cost a trip through the framework and a
thread each (about 300 a second from 20 connections), and took a third of a core from the
register's writers. A locked-out address is now refused before any query, and every 429 on
a login path is held on the event loop, so a flooding connection sends about one attempt a
second. The figures are in docs/security.md; this test shows the behaviour."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from register_helpers import PASSWORD, Api
from sqlalchemy import event

from openatt.register import logins

TOKEN = "/auth/token"
HOLD = 0.3


def _lock_out_the_address(api: Api) -> None:
    """Wrong passwords for distinct names from one address, until the address is locked
    (its burst allowance spent within the minute)."""
    for i in range(logins.BURST_PER_ADDRESS):
        body = {"username": f"flood{i}", "password": "wrong"}
        assert api.client.post(TOKEN, json=body).status_code == 401
    body = {"username": "flood-last", "password": "wrong"}
    assert api.client.post(TOKEN, json=body).status_code == 429


def test_a_locked_out_address_is_refused_before_any_query_and_held(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENATT_LOGIN_TARPIT_SECONDS", str(HOLD))
    _lock_out_the_address(api)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(api.db.engine, "before_cursor_execute", count)
    try:
        began = time.perf_counter()
        refused = api.client.post(TOKEN, json={"username": "officer", "password": PASSWORD})
        held = time.perf_counter() - began
    finally:
        event.remove(api.db.engine, "before_cursor_execute", count)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert statements == []  # no query, no password check: the refusal is remembered
    assert held >= HOLD  # held on the event loop, not answered at once
    # what was already logged in keeps working, and its requests are not held
    assert api.get("/applications", "officer").status_code == 200


def test_a_throttled_account_is_held_too(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENATT_LOGIN_TARPIT_SECONDS", str(HOLD))
    # a first delay long enough that a slow, loaded machine cannot outlast it
    monkeypatch.setattr(logins, "FIRST_DELAY", dt.timedelta(seconds=60))
    for i in range(logins.FREE_PER_ACCOUNT):
        body = {"username": "senior", "password": f"wrong {i}"}
        assert api.client.post(TOKEN, json=body).status_code == 401
    began = time.perf_counter()
    locked = api.client.post(TOKEN, json={"username": "senior", "password": PASSWORD})
    assert locked.status_code == 429 and time.perf_counter() - began >= HOLD


def _nice_of_threads() -> dict[int, int]:
    """The nice value of each thread of this process (argon2's lanes included, which carry
    no Python name): field 19 of each task's stat in /proc."""
    found: dict[int, int] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:  # the thread ended between the listing and the read
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(task.name)] = int(fields[16])
    return found


@pytest.mark.skipif(not hasattr(os, "setpriority"), reason="thread priorities are Linux's")
def test_wrong_passwords_are_checked_at_the_lowest_cpu_priority(api: Api) -> None:
    """A burst of wrong passwords spends argon2 (four threads a check) on CPU that the
    register's requests leave idle: the checks, and the threads argon2 starts from them, run
    at nice 19 while the server's own threads keep their priority."""
    seen: set[int] = set()
    stop = threading.Event()

    def sample() -> None:  # the nice values of all threads while checks run
        while not stop.is_set():
            for tid, nice in _nice_of_threads().items():
                if nice == 19:
                    seen.add(tid)
            time.sleep(0.001)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        # Up to four checks (the address's burst allows five failures), until the sampler
        # has seen the checker and a lane: on a loaded machine it may miss a short-lived lane
        for i in range(logins.BURST_PER_ADDRESS - 1):
            body = {"username": f"nobody{i}", "password": "wrong"}
            assert api.client.post(TOKEN, json=body).status_code == 401
            if len(seen) >= 2:
                break
    finally:
        stop.set()
        sampler.join()
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == 0
    # the checker thread and argon2's lanes (parallelism 4) ran at nice 19
    assert len(seen) >= 2
    # and a right password still logs in through the same low-priority checker
    ok = api.client.post(TOKEN, json={"username": "officer", "password": PASSWORD})
    assert ok.status_code == 200
