"""What the outlink tests share besides fixtures (those are in ``conftest.py``): names, a
client on a server's real app (:func:`asgi_client`), real servers as subprocesses
(:class:`Server`, :func:`server_env`, :func:`predictor_process`) and :func:`json_response`.
Tests import them: ``from .support import PREDICT``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
from aiohttp import web

from inference_common.model import JsonModel
from inference_common.app import build_app
from inference_common.lifespan import lifespan
from inference_testing.harness import free_port

__all__ = [
    "NAME",
    "PREDICT",
    "SERVICE_DIR",
    "Server",
    "asgi_client",
    "free_port",
    "json_response",
    "predictor_process",
    "server_env",
]

SERVICE_DIR = Path(__file__).resolve().parent.parent
NAME = "outlink-topic-model"
PREDICT = f"/v1/models/{NAME}:predict"


async def asgi_client(models: list[JsonModel], settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the real server app of ``models``, loaded, started and shut down as
    ``serve`` does (the transformer's shared resources once, with the models)."""
    for model in models:
        if not model.ready:
            model.load()
    owners = {id(r): r for m in models if (r := getattr(m, "resources", None)) is not None}
    [resources] = owners.values() or [None]
    app = build_app(models, settings, resources=resources)
    async with lifespan(models, resources):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


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
    """A server's environment: these settings, and of ours only what finds programs and
    packages (the packages are installed; PYTHONPATH passes through when a caller set it)."""
    passed = ("PATH", "LANG", "LC_", "HOME", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k.startswith(passed)}
    env.update({key.upper(): str(value) for key, value in settings.items()})
    return env


def predictor_process(model_path: Path, port: int | None = None) -> Server:
    """The predictor exactly as production starts it: ``python -m outlink_predictor``."""
    port = port or free_port()
    env = server_env(inference_name=NAME, model_path=model_path, http_port=port)
    return Server(
        [sys.executable, "-m", "outlink_predictor"], env, SERVICE_DIR / "model-server", port
    )


def json_response(document: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(document), status=status, content_type="application/json")
