"""Fixtures of the outlink topic model tests (run from ``outlink-topic-model/``:
``python -m pytest``).

The two halves and the one-process shape live in three directories that are put on
``sys.path`` here (each image installs only its own). Fixtures chain
settings -> model -> app -> client for the predictor, the transformer and the
one-process shape; ``predictor_server`` is the real predictor started as a subprocess
(``python -m outlink_predictor``, exactly as in production) on a free loopback port, so
the transformer's calls to it are real HTTP. ``embedded_wiki`` is the shared package's
real MediaWiki on loopback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

import httpx
import pytest
from aiohttp import web

SERVICE_DIR = Path(__file__).resolve().parent.parent
for _part in ("model-server", "transformer", "one-process"):
    if str(SERVICE_DIR / _part) not in sys.path:
        sys.path.insert(0, str(SERVICE_DIR / _part))

from outlink_one_process import OneProcessSettings, make_models  # noqa: E402
from outlink_predictor.model import OutlinkPredictor  # noqa: E402
from outlink_predictor.settings import PredictorSettings  # noqa: E402
from outlink_predictor_tools.train import ensure_model  # noqa: E402
from outlink_transformer.model import OutlinkTransformer  # noqa: E402
from outlink_transformer.settings import TransformerSettings  # noqa: E402

from inference_common.model import JsonModel  # noqa: E402
from inference_common.server import build_app  # noqa: E402
from inference_testing.harness import free_port  # noqa: E402,F401 (tests import it from here)

pytest_plugins = ["inference_testing.embedded_wiki.fixtures"]

NAME = "outlink-topic-model"
PREDICT = f"/v1/models/{NAME}:predict"


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


async def asgi_client(models: list[JsonModel], settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the real server app of ``models``, loaded, started and shut down as
    ``serve`` does."""
    for model in models:
        if not model.ready:
            model.load()
    app = build_app(models, settings)
    for model in models:
        await model.startup()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        for model in models:
            await model.shutdown()


@pytest.fixture
async def predictor_client(predictor_model, predictor_settings) -> AsyncIterator[httpx.AsyncClient]:
    async for client in asgi_client([predictor_model], predictor_settings):
        yield client


# -- real servers as subprocesses --------------------------------------------------


@dataclass
class Server:
    """A server subprocess on loopback."""

    command: list[str]
    env: dict[str, str]
    cwd: Path
    port: int
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "Server":
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"outlink-test-{self.port}.log"
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=handle, stderr=subprocess.STDOUT
        )
        handle.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command} exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/v2/health/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.command} did not become ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def server_env(**settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "LANG", "LC_", "HOME"))}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SERVICE_DIR / "model-server"), str(SERVICE_DIR / "transformer")]
    )
    env.update({key.upper(): str(value) for key, value in settings.items()})
    return env


def predictor_process(model_path: Path, port: int | None = None) -> Server:
    """The predictor exactly as production starts it: ``python -m outlink_predictor``."""
    port = port or free_port()
    env = server_env(inference_name=NAME, model_path=model_path, http_port=port)
    return Server(
        [sys.executable, "-m", "outlink_predictor"], env, SERVICE_DIR / "model-server", port
    )


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


@dataclass
class Recorder:
    """An aiohttp server that records requests and answers with ``handler``."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    handler: Callable[[web.Request], Any] | None = None


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


def json_response(document: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(document), status=status, content_type="application/json")
