"""Fixtures of the outlink topic model tests (run from ``outlink-topic-model/``:
``python -m pytest``), with the three packages installed (``requirements.txt`` installs
``model-server``, ``transformer`` and ``one-process`` editable; each image holds only its own).

Fixtures chain settings -> model -> app -> client for the predictor, the transformer and
the one-process shape; ``predictor_server`` is the real predictor started as a subprocess
(``python -m outlink_predictor``, exactly as in production) on a free loopback port, so
the transformer's calls to it are real HTTP. ``embedded_wiki`` is the shared package's
real MediaWiki on loopback. What tests import besides fixtures is in ``support.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

import httpx
import pytest
from aiohttp import web
from outlink_one_process import OneProcessSettings, make_models
from outlink_predictor.model import OutlinkPredictor
from outlink_predictor.settings import PredictorSettings
from outlink_predictor_tools.train import ensure_model
from outlink_transformer.model import OutlinkTransformer
from outlink_transformer.settings import TransformerSettings

from inference_testing.harness import free_port

from .support import NAME, SERVICE_DIR, Server, asgi_client, predictor_process

pytest_plugins = [
    "inference_testing.embedded_wiki.fixtures",
    "inference_testing.hypothesis_profiles",
]


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The test model, trained once and cached by its training key in .cache/."""
    return ensure_model(SERVICE_DIR / ".cache" / "test-model")


# -- the predictor in-process ------------------------------------------------------


@pytest.fixture(scope="session")
def predictor_settings(model_path: Path) -> PredictorSettings:
    return PredictorSettings(inference_name=NAME, model_path=model_path)


@pytest.fixture(scope="session")
def predictor_model(predictor_settings: PredictorSettings) -> OutlinkPredictor:
    model = OutlinkPredictor(predictor_settings)
    model.load()
    return model


@pytest.fixture
async def predictor_client(predictor_model, predictor_settings) -> AsyncIterator[httpx.AsyncClient]:
    async for client in asgi_client([predictor_model], predictor_settings):
        yield client


# -- real servers as subprocesses --------------------------------------------------


@pytest.fixture(scope="session")
def predictor_server(model_path: Path) -> Iterator[Server]:
    server = predictor_process(model_path).start()
    yield server
    server.stop()


# -- the transformer and the one-process shape -------------------------------------


@pytest.fixture
def transformer_settings(predictor_server: Server, embedded_wiki: Any) -> TransformerSettings:
    return TransformerSettings(
        inference_name=NAME, predictor_host=predictor_server.host, wiki_url=embedded_wiki.base_url
    )


@pytest.fixture
async def transformer_client(transformer_settings) -> AsyncIterator[httpx.AsyncClient]:
    async for client in asgi_client(
        [OutlinkTransformer(transformer_settings)], transformer_settings
    ):
        yield client


@pytest.fixture
async def one_process_client(
    model_path: Path, embedded_wiki: Any
) -> AsyncIterator[httpx.AsyncClient]:
    settings = OneProcessSettings(
        inference_name=NAME, model_path=model_path, wiki_url=embedded_wiki.base_url
    )
    async for client in asgi_client(make_models(settings), settings):
        yield client


# -- small HTTP servers on loopback ------------------------------------------------


@pytest.fixture
async def local_http() -> AsyncIterator[Callable[..., Any]]:
    """Start small aiohttp servers: ``await local_http(handler, path="/...")``."""
    runners: list[web.AppRunner] = []

    async def start(handler: Callable[[web.Request], Any], path: str = "/{tail:.*}") -> str:
        app = web.Application()
        app.router.add_route("*", path, handler)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()
