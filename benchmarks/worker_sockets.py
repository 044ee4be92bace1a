"""How a server's connections are spread over its worker processes, read from Linux's /proc.

The register's load test prints it beside each phase (issue 16: the writes' p99 depends on
how evenly ``uvicorn --workers N`` spreads kept-alive connections), and the tests of
:mod:`openatt.api.worker_balance` use it to see a real server's spread.
"""

from __future__ import annotations

import os
from pathlib import Path


def workers(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor ``pid`` started (``multiprocessing``'s
    spawn: not the supervisor's other children, such as a resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended while we looked
            continue
        if fields[1] != str(pid):
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(int(entry.name))
    return found


def connections_by_process(pids: list[int], port: int) -> dict[int, int]:
    """How many established TCP (IPv4) connections to local ``port`` each of ``pids`` holds."""
    established: set[str] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":
            established.add(fields[9])  # the socket's inode
    counts = {}
    for pid in pids:
        inodes = set()
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            descriptors = []
        for fd in descriptors:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        counts[pid] = len(inodes & established)
    return counts


def spread(server: int, port: int) -> str:
    """The connections each worker of the server ``server`` holds, most first: "31/19"
    (a server without workers, ``--workers 1``, serves them itself: "50")."""
    pids = workers(server) or [server]
    held = sorted(connections_by_process(pids, port).values(), reverse=True)
    return "/".join(str(n) for n in held)
