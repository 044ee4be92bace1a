"""The machine a benchmark ran on, printed beside its figures.

Figures from a shared 2-core machine mean little without the load they ran under, so every
benchmark prints this line at its start and at its end (issue 16: honest benchmarks).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager


def describe() -> str:
    """One line: date, cores, Python and the load average (1, 5, 15 minutes)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{now}; {os.cpu_count()} cores; {platform.python_implementation()} "
        f"{platform.python_version()} on {platform.system()} {platform.machine()}; load {load}"
    )


@contextmanager
def printed(title: str) -> Iterator[None]:
    """Print the machine before and after the body, so that its load is known at both ends."""
    print(f"# {title}")
    print(f"machine at start: {describe()}", flush=True)
    try:
        yield
    finally:
        print(f"machine at end:   {describe()}", flush=True)
