"""The writers' slots on PostgreSQL (issue 16, fifth round): at most N holders, and the
waiting threads served in the order they asked, a newcomer never taking a freed slot from
them. Real threads, real locks."""

from __future__ import annotations

import threading
import time

import pytest

from openatt.register.fair_slots import FairSlots


def _wait_until(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.001)


def test_waiting_threads_get_the_slot_in_the_order_they_asked() -> None:
    slots = FairSlots(1)
    slots.acquire()  # held here: everyone below waits
    served: list[int] = []
    threads = []
    for index in range(8):
        thread = threading.Thread(target=lambda i=index: _take(slots, served, i))
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=index + 1: slots.waiting == n)  # queued in this order
    slots.release()
    # a newcomer arriving while they wait queues behind them, it does not barge in
    late = threading.Thread(target=lambda: _take(slots, served, 99))
    late.start()
    for thread in [*threads, late]:
        thread.join(10)
    assert served == [0, 1, 2, 3, 4, 5, 6, 7, 99]


def _take(slots: FairSlots, served: list[int], index: int) -> None:
    with slots:
        served.append(index)
        time.sleep(0.002)


def test_never_more_holders_than_slots() -> None:
    slots = FairSlots(3)
    lock = threading.Lock()
    holding = [0]
    most = [0]

    def work() -> None:
        for _ in range(20):
            with slots:
                with lock:
                    holding[0] += 1
                    most[0] = max(most[0], holding[0])
                time.sleep(0.0005)
                with lock:
                    holding[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most[0] == 3 and holding[0] == 0 and slots.waiting == 0


def test_a_slot_is_free_again_after_an_error_inside() -> None:
    slots = FairSlots(1)
    with pytest.raises(RuntimeError), slots:
        raise RuntimeError("the write failed")
    acquired = threading.Event()
    thread = threading.Thread(target=lambda: (slots.acquire(), acquired.set()))
    thread.start()
    assert acquired.wait(5)
    thread.join(5)


def test_slots_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FairSlots(0)
