"""The server on a real socket (uvicorn in this process, configured as ``serve`` does):
clients that send slowly cannot lock it out, and a too-large body gets a 413 that every
kind of client can read."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import httpx
import pytest
import uvicorn

from inference_common.app import build_app
from inference_common.server import uvicorn_config
from inference_common.settings import ServerSettings
from inference_testing.harness import free_port

from .support import EchoModel

PREDICT = "/v1/models/echo:predict"
TIMEOUT = 2.0  # the header and body time limits of these servers (seconds)
LIMIT = 4  # MAX_CONCURRENT_REQUESTS of these servers
BIG = 8 * 1024 * 1024  # a body far over the 1 MiB default limit


@asynccontextmanager
async def live_server(**settings: object) -> AsyncIterator[str]:
    """The echo model served by uvicorn on a free loopback port; yields its base URL."""
    model = EchoModel("echo")
    model.load()
    config = ServerSettings(inference_name="echo", http_port=free_port(), **settings)
    server = uvicorn.Server(uvicorn_config(build_app([model], config), config, host="127.0.0.1"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign] # pytest's
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{config.http_port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[str]:
    async with live_server(
        header_read_timeout=TIMEOUT, body_read_timeout=TIMEOUT, max_concurrent_requests=LIMIT
    ) as url:
        yield url


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


async def read_all(reader: asyncio.StreamReader, timeout: float) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), timeout)


async def answered(reader: asyncio.StreamReader) -> bool:
    """Whether the server has sent anything (or closed) yet; consumes a byte if so."""
    try:
        await asyncio.wait_for(reader.read(1), 0.01)
    except TimeoutError:
        return False
    return True


def parse(raw: bytes) -> tuple[int, dict[str, str], dict]:
    """Status, headers and JSON body of one raw HTTP/1.1 response."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


async def slow_body_sender(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Full headers for a 37-byte body, then 10 bytes of it, then nothing."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(url))
    writer.write(
        f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        'Content-Length: 37\r\n\r\n{"rev_id":'.encode()
    )
    await writer.drain()
    return reader, writer


async def test_slow_bodies_take_no_slot_and_get_408_in_time(server: str) -> None:
    held = [await slow_body_sender(server) for _ in range(3 * LIMIT)]
    opened = time.monotonic()
    # Before: each of these took a slot and everything else got 503 Overloaded.
    async with httpx.AsyncClient(base_url=server, timeout=5) as client:
        answers = await asyncio.gather(
            *(client.post(PREDICT, json={"rev_id": n}) for n in range(1, LIMIT + 1))
        )
    assert [a.status_code for a in answers] == [200] * LIMIT, [a.text for a in answers]
    # ...answered while every slow one was still held (none answered or closed yet):
    assert not any([await answered(reader) for reader, _ in held])
    for reader, writer in held:
        raw = await read_all(reader, TIMEOUT + 2)
        status, headers, body = parse(raw)
        assert status == 408 and body["error"]["type"] == "RequestTimeout", raw
        assert headers["connection"] == "close"
        writer.close()
    elapsed = time.monotonic() - opened
    assert TIMEOUT * 0.9 < elapsed < TIMEOUT + 2, elapsed


async def test_slow_headers_get_408_and_an_idle_connection_is_closed(server: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
    writer.write(f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Le".encode())
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", port_of(server))
    started = time.monotonic()
    raw = await read_all(reader, TIMEOUT + 2)
    status, headers, body = parse(raw)
    assert status == 408 and body["error"]["type"] == "RequestTimeout", raw
    assert "headers" in body["error"]["message"]
    assert await read_all(idle_reader, TIMEOUT + 2) == b""  # closed, nothing said
    assert TIMEOUT * 0.9 < time.monotonic() - started < TIMEOUT + 2
    for w in (writer, idle_writer):
        w.close()
    # A request that keeps a connection alive, then a slow second request on it.
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
    ready = b"GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n"
    writer.write(ready + b"\r\n" + ready)  # the second request's headers never end
    raw = await read_all(reader, TIMEOUT + 2)
    assert raw.startswith(b"HTTP/1.1 200 ") and b"HTTP/1.1 408 " in raw, raw
    writer.close()


async def test_a_slow_chunked_body_gets_408(server: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
    writer.write(
        f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        '4\r\n{"re\r\n'.encode()
    )
    status, _, body = parse(await read_all(reader, TIMEOUT + 2))
    assert status == 408 and "body" in body["error"]["message"]
    writer.close()


def urllib_post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + PREDICT, data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def send_everything_then_read(url: str, head: bytes, body: bytes) -> bytes:
    """What urllib, requests and many bots do: the whole request, then read the answer."""
    with socket.create_connection(("127.0.0.1", port_of(url)), timeout=30) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def big_body() -> bytes:
    return b'{"rev_id": 1, "pad": "' + b"x" * BIG + b'"}'


async def test_a_413_reaches_clients_that_send_everything_first(server: str) -> None:
    # Before: ConnectionResetError (the server closed with the body unread).
    status, body = await asyncio.to_thread(urllib_post, server, big_body())
    assert status == 413 and body["error"]["type"] == "PayloadTooLarge"

    data = big_body()
    for head in (
        f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n"
        "Connection: close\r\n\r\n",
        f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n\r\n",
    ):
        raw = await asyncio.to_thread(send_everything_then_read, server, head.encode(), data)
        status, headers, body = parse(raw)
        assert status == 413 and body["error"]["type"] == "PayloadTooLarge", raw[:300]
        assert headers["connection"] == "close"

    # Without a Content-Length the limit is found while reading; the rest is drained too.
    chunk = b"x" * 65536
    chunked = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * (BIG // len(chunk)) + b"0\r\n\r\n"
    head = f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    raw = await asyncio.to_thread(send_everything_then_read, server, head.encode(), chunked)
    assert parse(raw)[0] == 413, raw[:300]

    async with httpx.AsyncClient(base_url=server) as client:  # and the server is fine
        assert (await client.post(PREDICT, json={"rev_id": 3})).json() == {"rev_id": 3}


async def test_a_413_reaches_curl(server: str, tmp_path: Path) -> None:
    payload = tmp_path / "big.json"
    payload.write_bytes(big_body())
    for extra in ([], ["-H", "Expect:"]):  # with and without waiting for 100-continue
        result = await asyncio.to_thread(
            subprocess.run,
            ["curl", "-sS", "--max-time", "20", "--data-binary", f"@{payload}", *extra]
            + ["-H", "Content-Type: application/json", "-w", "\n%{http_code}", server + PREDICT],
            capture_output=True,
            text=True,
        )
        body, _, code = result.stdout.rpartition("\n")
        assert code == "413", (result.stdout[-300:], result.stderr)
        assert json.loads(body)["error"]["type"] == "PayloadTooLarge"


async def test_draining_is_bounded() -> None:
    """A body far beyond the drain limit is not read to its end: the connection closes
    after the drain limit (the client may then see a reset, as with nginx)."""
    async with live_server(rejected_body_drain_bytes=1024 * 1024) as url:
        reader, writer = await asyncio.open_connection("127.0.0.1", port_of(url))
        writer.write(
            f"POST {PREDICT} HTTP/1.1\r\nHost: x\r\nContent-Length: {10**10}\r\n\r\n".encode()
        )
        status, _, _ = parse(await asyncio.wait_for(reader.readuntil(b"}}"), 5))
        assert status == 413
        sent = 0
        with pytest.raises((ConnectionError, asyncio.TimeoutError)):
            while sent < 100 * 1024 * 1024:  # the server stops reading after ~1 MiB
                writer.write(b"x" * 65536)
                await asyncio.wait_for(writer.drain(), 5)
                sent += 65536
        assert sent < 100 * 1024 * 1024
        writer.close()
