"""The one owner of a process's shared resources: one startup, one shutdown, one HTTP
client under the MediaWiki and EventGate clients, whatever the number of models."""

import asyncio
from typing import Any

from inference_common.model import JsonModel
from inference_common.resources import SharedResources
from inference_common.app import build_app
from inference_common.lifespan import lifespan
from inference_common.settings import ServerSettings


class Part:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    async def start(self) -> None:
        self.log.append(f"start {self.name}")

    async def close(self) -> None:
        self.log.append(f"close {self.name}")


class Model(JsonModel):
    def __init__(self, name: str, resources: SharedResources, log: list[str]) -> None:
        super().__init__(name)
        self.resources, self.log = resources, log
        self.ready = True

    async def startup(self) -> None:
        self.log.append(f"startup {self.name}")

    async def shutdown(self) -> None:
        self.log.append(f"shutdown {self.name}")

    async def predict(self, request: dict, headers: Any = None) -> dict:  # type: ignore[override]
        return {}


def settings(**values: Any) -> ServerSettings:
    return ServerSettings(inference_name="x", **values)


async def test_parts_start_once_and_close_once_in_reverse_order() -> None:
    log: list[str] = []
    resources = SharedResources(settings())
    resources.own(Part("pool", log))
    resources.own(Part("engine", log))
    models = [Model("a", resources, log), Model("b", resources, log)]
    async with lifespan(models, resources):
        session = resources.http.session  # created on first use, in the loop
        log.append("serving")
    assert log == [
        "start pool",
        "start engine",
        "startup a",
        "startup b",
        "serving",
        "shutdown a",
        "shutdown b",
        "close engine",
        "close pool",
    ]
    assert session.closed and not resources.http.is_open


async def test_one_http_client_under_every_client() -> None:
    resources = SharedResources(settings(eventgate_url="http://eventgate.invalid/v1/events"))
    assert resources.wiki.http is resources.http
    assert resources.events is not None and resources.events._http is resources.http


async def test_the_app_lifespan_is_the_lifespan() -> None:
    """The ASGI lifespan protocol, as uvicorn drives it, runs :func:`lifespan`."""
    log: list[str] = []
    resources = SharedResources(settings())
    resources.own(Part("engine", log))
    app = build_app([Model("a", resources, log)], settings(), resources=resources)
    messages: asyncio.Queue[dict] = asyncio.Queue()
    for message in ("lifespan.startup", "lifespan.shutdown"):
        messages.put_nowait({"type": message})
    sent: list[str] = []

    async def send(message: dict) -> None:
        sent.append(message["type"])

    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, messages.get, send)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert log == ["start engine", "startup a", "shutdown a", "close engine"]
