"""Fixtures of the revscoring server tests.

They chain settings -> served models -> engine/app -> httpx client:

* ``demo_models``: the project's demo models (one per model type), trained once into
  ``revscoring/.cache/demo-models`` and reused while the training code is unchanged;
* ``models_dir``: a MODELS_DIR holding only some of them (symlinks), so that a test loads
  just the models it needs;
* ``start_server``: ``async with start_server(models_dir=..., wiki_url=...) as server``
  builds the models as ``python -m revscoring_server`` does, starts them, and gives an
  ``httpx.AsyncClient`` on KServe's app (``/v1/models/...``) plus the ORES v3 routes;
* ``memory_wiki``: an in-memory MediaWiki API (formatversion=2) behind a real
  :class:`MediaWikiClient` whose every API call is recorded, for engine unit tests;
* ``wiki_proxy``: an aiohttp.web server on loopback in front of the embedded MediaWiki
  that counts API calls and can be told to fail (HTTP 500, malformed JSON, slowness);
* ``recording_eventgate``: an aiohttp.web server on loopback that records posted events;
* ``redis_url``: a real ``redis-server`` on a free loopback port, for the session.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterable, Mapping

import pytest
from aiohttp import ClientSession, ClientTimeout, web

from inference_testing.harness import free_port

from .support import (
    DEMO_MODELS_DIR,
    EventRecorder,
    MemoryWiki,
    Server,
    WikiProxy,
    running_server,
    serve_app,
)

pytest_plugins = [
    "inference_testing.embedded_wiki.fixtures",
    "inference_testing.hypothesis_profiles",
]


# -- models ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_models() -> dict[str, Path]:
    """``{"enwiki-damaging": Path(.../model.bin), ...}``: every demo model, trained once."""
    from revscoring_tools.demo import ensure_demo_models

    return ensure_demo_models(DEMO_MODELS_DIR)


@pytest.fixture(scope="session")
def models_dir(
    demo_models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Path]:
    """``models_dir("enwiki-damaging", ...)``: a MODELS_DIR with only those demo models
    (``models_dir()``: all of them); ``files={"enwiki-damaging": path}`` adds (or replaces)
    a model file under that name."""
    made: dict[tuple, Path] = {}

    def make(*names: str, files: Mapping[str, Path] | None = None) -> Path:
        everything = not names and not files
        chosen = {name: demo_models[name] for name in (demo_models if everything else names)}
        chosen.update(files or {})
        key = tuple(sorted((name, str(path)) for name, path in chosen.items()))
        if key not in made:
            directory = tmp_path_factory.mktemp("models")
            for name, path in chosen.items():
                (directory / name).mkdir()
                (directory / name / "model.bin").symlink_to(path)
            made[key] = directory
        return made[key]

    return make


# -- the server ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def start_server() -> Callable[..., Any]:
    """``async with start_server(**settings) as server:`` (settings as RevscoringSettings
    keyword arguments, e.g. ``models_dir=``, ``wiki_url=``, ``score_cache_size=0``)."""
    return running_server


@pytest.fixture(scope="session")
def wiki_url(embedded_wiki: Any) -> str:
    return str(embedded_wiki.base_url)


@pytest.fixture(scope="session")
def seed(embedded_wiki: Any) -> dict[str, Any]:
    return embedded_wiki.seed


@pytest.fixture(scope="session")
def article_revisions(seed: dict[str, Any]) -> list[int]:
    """English article revisions every wikitext model can score: all of the seed's but
    the one by a hidden user and the revert of a text-hidden revision (the edit models
    need the user and the parent)."""
    unscorable = {seed["revisions"]["user_hidden"], seed["revisions"]["text_deleted_revert"]}
    return [r for r in seed["all_article_revisions"] if r not in unscorable]


@pytest.fixture(scope="session")
async def demo_server(models_dir: Callable[..., Path], wiki_url: str) -> AsyncIterator[Server]:
    """Every demo model, on the embedded wiki, with the default (in-process) score cache."""
    async with running_server(models_dir=models_dir(), wiki_url=wiki_url) as server:
        yield server


# -- an in-memory MediaWiki API behind the real client ------------------------------------


@pytest.fixture
def memory_wiki() -> MemoryWiki:
    return MemoryWiki()


# -- loopback stand-ins: a counting / fault-injecting MediaWiki proxy, EventGate -----------


@pytest.fixture(scope="session")
async def wiki_proxy(embedded_wiki: Any) -> AsyncIterator[WikiProxy]:
    proxy = WikiProxy(upstream=str(embedded_wiki.api_url))
    session = ClientSession(timeout=ClientTimeout(total=60))

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        form = dict(await request.post()) if request.method == "POST" else {}
        params = {**request.query, **{k: str(v) for k, v in form.items()}}
        proxy.calls.append(params)
        proxy.methods.append(request.method)
        if proxy.mode == "500":
            return web.Response(status=500, text="<html>Internal error</html>")
        if proxy.mode == "malformed":
            return web.Response(status=200, text="{not json", content_type="application/json")
        if proxy.mode == "slow":
            await asyncio.sleep(proxy.slow_seconds)
        headers = {"Content-Type": request.headers.get("Content-Type", "")}
        async with session.request(
            request.method, proxy.upstream, params=request.query, data=body, headers=headers
        ) as upstream:
            text = await upstream.read()
            return web.Response(status=upstream.status, body=text, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/w/api.php", handle)
    runner, proxy.url = await serve_app(app)
    yield proxy
    await runner.cleanup()
    await session.close()


@pytest.fixture
async def recording_eventgate() -> AsyncIterator[EventRecorder]:
    recorder = EventRecorder()

    async def handle(request: web.Request) -> web.Response:
        recorder.posts.append(json.loads(await request.read()))
        return web.Response(status=recorder.status, text="{}", content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/events", handle)
    runner, base = await serve_app(app)
    recorder.url = base + "/v1/events"
    yield recorder
    await runner.cleanup()


# -- Redis ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterable[str]:
    """A real redis-server on a free loopback port (no persistence), for the session."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
