"""A small closed-loop HTTP/1.1 load generator (asyncio streams, keep-alive, no library).

``await run_load(host, port, requests, concurrency, duration, warmup)`` opens
``concurrency`` keep-alive connections; each sends the next request of ``requests`` (a
shared cycle of pre-encoded requests) as soon as its previous answer is in. Requests that
finish between the end of the warm-up and the end of the run are measured (throughput is
their number over the measured seconds); the rest are not. Its own
CPU time is measured too, to show the generator is not what limits a run.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Sequence


def encode_request(
    host: str,
    port: int,
    method: str,
    path: str,
    body: Any = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A complete HTTP/1.1 request (keep-alive), ready to write."""
    payload = b""
    if body is not None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: bench/1"]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        head += [f"Content-Type: {content_type}", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


class HttpConnection:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, limit=1 << 22
        )
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        chunked = False
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(parts)
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body = await self.reader.read()
            close = True
        if close:
            self.close()
        return status, body


@dataclass
class LoadResult:
    concurrency: int
    duration: float  # seconds measured
    latencies: list[float] = field(default_factory=list)  # seconds, measured requests
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    client_cpu: float = 0.0  # seconds of this process's CPU during the whole run
    answered: int = 0  # every answer of the run, warm-up and drain included
    # latencies (s) of every good answer of the run but the first 3, by request index
    by_index: dict[int, list[float]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.count / self.duration if self.duration else 0.0

    def percentile(self, q: float) -> float:
        """Latency percentile in seconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))
        return ordered[index]


async def run_load(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    concurrency: int,
    duration: float,
    warmup: float = 0.0,
    max_drain: float = 120.0,
) -> LoadResult:
    """Drive the server closed-loop for ``warmup + duration`` seconds."""
    result = LoadResult(concurrency=concurrency, duration=duration)
    cycle = itertools.cycle(enumerate(requests))
    cpu_start = time.process_time()
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration

    async def worker() -> None:
        connection = HttpConnection(host, port)
        try:
            while True:
                began = time.perf_counter()
                if began >= stop_at:
                    return
                index, raw = next(cycle)
                try:
                    status, body = await connection.request(raw)
                    ok = status == 200
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    connection.close()
                    status, body, ok = 0, repr(error).encode(), False
                ended = time.perf_counter()
                result.answered += status != 0
                if ok and result.answered > 3:
                    result.by_index.setdefault(index, []).append(ended - began)
                if measure_from <= ended <= stop_at:
                    if ok:
                        result.latencies.append(ended - began)
                    else:
                        result.errors += 1
                        if len(result.error_samples) < 3:
                            result.error_samples.append(f"{status} {body[:300]!r}")
                if not ok and status == 0:
                    await asyncio.sleep(0.05)
        finally:
            connection.close()

    tasks = [asyncio.ensure_future(worker()) for _ in range(concurrency)]
    done, pending = await asyncio.wait(tasks, timeout=warmup + duration + max_drain)
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    result.client_cpu = time.process_time() - cpu_start
    return result


async def one_request(host: str, port: int, raw: bytes, timeout: float = 300) -> tuple[int, bytes]:
    connection = HttpConnection(host, port)
    try:
        return await asyncio.wait_for(connection.request(raw), timeout)
    finally:
        connection.close()
