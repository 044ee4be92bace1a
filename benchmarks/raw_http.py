"""A lean HTTP/1.1 load generator for the register benchmark: keep-alive asyncio streams
that write each request's bytes and read the answer by its Content-Length.

Why not httpx: on this 2-core machine httpx's async client spent about 5 ms of CPU per
request, more than the server it measured, so the benchmark measured its own client. This
one spends a few tenths of a millisecond, which leaves the cores to the server (like wrk or
oha would, without a binary to install). It speaks only what the register answers: one
request at a time per connection, bodies with Content-Length or chunked encoding.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any


class Connection:
    """One keep-alive connection to ``host:port``; ``request`` returns (status, body)."""

    def __init__(
        self,
        host: str,
        port: int,
        headers: dict[str, str] | None = None,
        local: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.local = local  # the address to send from (a loopback one: 127.0.0.N)
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.fixed = f"Host: {host}:{port}\r\n{extra}".encode("latin-1")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        local_addr = (self.local, 0) if self.local else None
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, local_addr=local_addr
        )

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.writer = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = f"{method} {path} HTTP/1.1\r\n".encode("latin-1") + self.fixed
        if body is None:
            self.writer.write(head + b"\r\n")
        else:
            data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
            self.writer.write(
                head
                + b"Content-Type: application/json\r\nContent-Length: "
                + str(len(data)).encode()
                + b"\r\n\r\n"
                + data
            )
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            content = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            content = await self._chunked()
        else:
            content = await self.reader.read()
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, content

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
