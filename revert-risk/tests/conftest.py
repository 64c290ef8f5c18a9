"""Fixtures: settings -> model -> app -> client, for an in-memory wiki and the embedded one.

The model file is trained once into ``revert-risk/.cache/model`` and reused while the
code that determines it is unchanged (:func:`revert_risk_tools.train.ensure_model`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx
import pytest
from aiohttp import web

from inference_common.server import build_app
from inference_testing.harness import free_port

SERVICE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SERVICE_DIR))  # `revert_risk` and `tests.fakes`, from any cwd

from revert_risk.model import RevertRiskModel  # noqa: E402
from revert_risk.settings import Settings  # noqa: E402
from revert_risk_tools.train import ensure_model  # noqa: E402
from tests.fakes import FakeWikiClient  # noqa: E402

pytest_plugins = ["inference_testing.embedded_wiki.fixtures"]

MODEL_NAME = "revertrisk-language-agnostic"
PREDICT = f"/v1/models/{MODEL_NAME}:predict"


@pytest.fixture(scope="session")
def model_path() -> Path:
    return ensure_model(SERVICE_DIR / ".cache" / "model")


@pytest.fixture
def make_settings(model_path: Path) -> Callable[..., Settings]:
    """Settings for tests: the cached model, no retries, and MediaWiki on a closed port
    unless a test says otherwise (no test ever reaches a real Wikipedia)."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "model_path": model_path,
            "wiki_url": f"http://127.0.0.1:{free_port()}",
            "http_retries": 0,
            "http_timeout": 10,
            "eventgate_url": None,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def fake_wiki() -> FakeWikiClient:
    return FakeWikiClient()


async def _started(model: RevertRiskModel) -> RevertRiskModel:
    model.load()
    await model.startup()
    return model


@pytest.fixture
async def model(settings: Settings, fake_wiki: FakeWikiClient) -> AsyncIterator[RevertRiskModel]:
    """The model, reading MediaWiki documents from ``fake_wiki``."""
    model = await _started(RevertRiskModel(settings, client=fake_wiki))
    yield model
    await model.shutdown()


async def _client_for(model: RevertRiskModel, settings: Settings) -> httpx.AsyncClient:
    app = build_app([model], settings)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def client(model: RevertRiskModel, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client_for(model, settings) as client:
        yield client


# -- the embedded MediaWiki ---------------------------------------------------------


class ApiRecorder:
    """A loopback proxy in front of the embedded wiki's API that records each call."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.calls: list[dict[str, str]] = []
        self.base_url = ""

    def revision_calls(self) -> list[dict[str, str]]:
        return [c for c in self.calls if c.get("prop") == "revisions" and "revids" in c]

    def reset(self) -> None:
        self.calls.clear()


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
    make_settings: Callable[..., Settings], api_recorder: ApiRecorder
) -> AsyncIterator[RevertRiskModel]:
    """The model, reading the embedded wiki (through the recording proxy)."""
    settings = make_settings(wiki_url=api_recorder.base_url)
    model = await _started(RevertRiskModel(settings))
    yield model
    await model.shutdown()


@pytest.fixture
async def wiki_client(wiki_model: RevertRiskModel) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client_for(wiki_model, wiki_model.settings) as client:
        yield client


# -- EventGate ----------------------------------------------------------------------


class EventGateRecorder:
    """A loopback EventGate that records the events posted to it."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.status = 201
        self.url = ""


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
