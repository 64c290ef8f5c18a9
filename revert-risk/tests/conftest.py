"""Fixtures: settings -> model -> app -> client, for an in-memory wiki and the embedded one.

The model file is trained once into ``revert-risk/.cache/model`` and reused while the
code that determines it is unchanged (:func:`revert_risk_tools.train.ensure_model`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx
import pytest
from aiohttp import web

from revert_risk.model import RevertRiskModel
from revert_risk.settings import RevertRiskSettings
from revert_risk_tools.train import ensure_model

from inference_testing.harness import free_port

from .fakes import FakeWikiClient
from .support import SERVICE_DIR, ApiRecorder, EventGateRecorder, client_for, started

pytest_plugins = ["inference_testing.embedded_wiki.fixtures"]


@pytest.fixture(scope="session")
def model_path() -> Path:
    return ensure_model(SERVICE_DIR / ".cache" / "model")


@pytest.fixture
def make_settings(model_path: Path) -> Callable[..., RevertRiskSettings]:
    """Settings for tests: the cached model, no retries, and MediaWiki on a closed port
    unless a test says otherwise (no test ever reaches a real Wikipedia)."""

    def make(**overrides: Any) -> RevertRiskSettings:
        values: dict[str, Any] = {
            "model_path": model_path,
            "wiki_url": f"http://127.0.0.1:{free_port()}",
            "http_retries": 0,
            "http_timeout": 10,
            "eventgate_url": None,
        }
        values.update(overrides)
        return RevertRiskSettings(**values)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., RevertRiskSettings]) -> RevertRiskSettings:
    return make_settings()


@pytest.fixture
def fake_wiki() -> FakeWikiClient:
    return FakeWikiClient()


@pytest.fixture
async def model(
    settings: RevertRiskSettings, fake_wiki: FakeWikiClient
) -> AsyncIterator[RevertRiskModel]:
    """The model, reading MediaWiki documents from ``fake_wiki``."""
    model = await started(RevertRiskModel(settings, client=fake_wiki))
    yield model
    await model.resources.shutdown()


@pytest.fixture
async def client(
    model: RevertRiskModel, settings: RevertRiskSettings
) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(model, settings) as client:
        yield client


# -- the embedded MediaWiki ---------------------------------------------------------


@pytest.fixture
async def api_recorder(
    embedded_wiki: Any, unused_tcp_port_factory: Callable[[], int]
) -> AsyncIterator[ApiRecorder]:
    recorder = ApiRecorder(embedded_wiki.api_url)
    session = httpx.AsyncClient(timeout=30)

    async def forward(request: web.Request) -> web.Response:
        form = dict(await request.post()) if request.method == "POST" else {}
        recorder.calls.append({**dict(request.query), **{k: str(v) for k, v in form.items()}})
        upstream = await session.request(
            request.method, recorder.api_url, params=dict(request.query), data=form or None
        )
        return web.Response(
            body=upstream.content,
            status=upstream.status_code,
            content_type=upstream.headers.get("content-type", "application/json").split(";")[0],
        )

    app = web.Application()
    app.router.add_route("*", "/w/api.php", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    port = unused_tcp_port_factory()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    recorder.base_url = f"http://127.0.0.1:{port}"
    yield recorder
    await runner.cleanup()
    await session.aclose()


@pytest.fixture
async def wiki_model(
    make_settings: Callable[..., RevertRiskSettings], api_recorder: ApiRecorder
) -> AsyncIterator[RevertRiskModel]:
    """The model, reading the embedded wiki (through the recording proxy)."""
    settings = make_settings(wiki_url=api_recorder.base_url)
    model = await started(RevertRiskModel(settings))
    yield model
    await model.resources.shutdown()


@pytest.fixture
async def wiki_client(wiki_model: RevertRiskModel) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(wiki_model, wiki_model.settings) as client:
        yield client


# -- EventGate ----------------------------------------------------------------------


@pytest.fixture
async def eventgate(unused_tcp_port_factory: Callable[[], int]) -> AsyncIterator[EventGateRecorder]:
    recorder = EventGateRecorder()

    async def receive(request: web.Request) -> web.Response:
        body = await request.json()
        recorder.events.extend(body if isinstance(body, list) else [body])
        return web.Response(status=recorder.status)

    app = web.Application()
    app.router.add_post("/v1/events", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = unused_tcp_port_factory()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    recorder.url = f"http://127.0.0.1:{port}/v1/events"
    yield recorder
    await runner.cleanup()
