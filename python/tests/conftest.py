"""Fixtures of the shared package tests: a toy model behind the real server app, and a
programmable MediaWiki stand-in (aiohttp on loopback) for the client's fault handling."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx
import pytest
from aiohttp import web

from inference_common.app import build_app
from inference_common.settings import ServerSettings

from .support import EchoModel

pytest_plugins = ["inference_testing.hypothesis_profiles"]


@pytest.fixture
def settings() -> ServerSettings:
    return ServerSettings(inference_name="echo", max_request_bytes=4096, max_concurrent_requests=4)


@pytest.fixture
def model() -> EchoModel:
    model = EchoModel("echo")
    model.load()
    return model


@pytest.fixture
async def client(model: EchoModel, settings: ServerSettings):
    app = build_app([model], settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@dataclass
class FakeWiki:
    """A MediaWiki stand-in whose next answers are scripted per test."""

    answers: list[Callable[[web.Request], Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def then(self, *answers: Callable[[web.Request], Any]) -> "FakeWiki":
        self.answers.extend(answers)
        return self

    @staticmethod
    def json(document: Any, status: int = 200, headers: dict | None = None) -> Callable:
        return lambda request: web.Response(
            text=json.dumps(document),
            status=status,
            headers=headers,
            content_type="application/json",
        )


@pytest.fixture
async def fake_wiki(unused_tcp_port: int):
    wiki = FakeWiki()

    async def handle(request: web.Request) -> web.StreamResponse:
        # "form": every parameter, from the query string (GET) or the body (POST)
        form = {**request.query, **(await request.post())}
        wiki.requests.append(
            {"method": request.method, "form": form, "headers": dict(request.headers)}
        )
        if not wiki.answers:
            return web.Response(status=599, text="no answer scripted")
        answer = wiki.answers.pop(0)
        result = answer(request)
        if hasattr(result, "__await__"):
            result = await result
        return result

    app = web.Application()
    app.router.add_route("*", "/w/api.php", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", unused_tcp_port)
    await site.start()
    wiki.url = f"http://127.0.0.1:{unused_tcp_port}"
    yield wiki
    await runner.cleanup()
