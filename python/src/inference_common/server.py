"""The KServe application of every server, its middleware, and the ``serve`` entry point.

:func:`build_app` builds KServe's own REST application (V1/V2 protocol, health, metrics)
for the given models and adds what every server here needs: the one error format
(:mod:`.errors`), request ids, a request size limit (413, answered so that every client
can read it), time limits on reading a request's headers and body (408), an in-flight
limit on inference routes counting requests whose body has arrived (a fast 503 with
Retry-After instead of unbounded queueing), one access log line per request, and one
startup/shutdown (:func:`lifespan`) of the process's shared resources (:mod:`.resources`)
and its models. :func:`serve` runs it with
uvicorn as :func:`uvicorn_config` says.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Sequence

import cloudevents.exceptions as cloudevents_errors
import uvicorn
from cloudevents.http import from_http
from cloudevents.sdk.converters.util import has_binary_headers
from fastapi import APIRouter, FastAPI
from kserve.model_repository import ModelRepository
from kserve.protocol.dataplane import DataPlane
from kserve.utils.utils import is_structured_cloudevent
from kserve.protocol.model_repository_extension import ModelRepositoryExtension
from kserve.protocol.rest.server import RESTServer
from prometheus_client import Counter, Histogram
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from . import api_docs
from .errors import (
    HTTPError,
    ModelLoadError,
    Overloaded,
    PayloadTooLarge,
    InvalidInput,
    ModelServerError,
    RequestTimeout,
    error_response,
    error_response_bytes,
    install_handlers,
)
from .inputs import decode_body
from .log import configure_logging, request_id_var
from .model import JsonModel
from .resources import SharedResources
from .settings import ServerSettings

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("inference_common.access")

REQUESTS = Counter(
    "inference_http_requests_total", "HTTP requests by route kind and status", ["kind", "status"]
)
LATENCY = Histogram(
    "inference_http_request_seconds",
    "HTTP request latency by route kind",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REJECTED = Counter(
    "inference_http_rejected_total", "Requests refused before reaching a model", ["reason"]
)
INTERNAL_ERROR = HTTPError("internal server error", status=500)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def route_kind(method: str, path: str) -> str:
    """A small fixed set of labels (paths themselves would let clients grow the metrics)."""
    if method == "POST" and path.endswith((":predict", ":explain")):
        return "predict"
    if path.startswith("/v3/"):
        return "ores"
    if path.startswith("/v2/health") or path in ("/", "/metrics") or path.startswith("/v1/models"):
        return "status"
    return "other"


class JsonDataPlane(DataPlane):
    """KServe's data plane, but every request body reaches the model as the raw bytes sent
    (or a CloudEvent's raw data), whatever the Content-Type: :func:`.inputs.decode_body`
    (called by :meth:`.JsonModel.preprocess`) is the one parser, so a body gets the same
    answer as JSON, form, text or an event. KServe 0.13's own decoding differs by
    Content-Type and fails with a 500 on an empty binary CloudEvent."""

    def decode(self, body: Any, headers: dict[str, str] | None) -> tuple[Any, dict]:
        headers = {key.lower(): value for key, value in (headers or {}).items()}
        if has_binary_headers(headers):
            try:  # the identity unmarshaller keeps the data as the bytes that were sent
                event = from_http(headers, body, lambda data: data)
            except cloudevents_errors.GenericException as error:
                raise InvalidInput(f"invalid CloudEvent headers: {error}") from None
            data = event.get_data()
            return (b"" if data is None else data), event.get_attributes()
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/cloudevents+json":  # a structured CloudEvent
            document = decode_body(body)
            if is_structured_cloudevent(document):
                attributes = dict(document)
                return attributes.pop("data"), attributes
            return document, {}
        return body, {}


class RequestMiddleware:
    """Pure ASGI middleware: request id, access log, metrics, and the limits of a request.

    The body is read here, before the application runs: at most ``max_request_bytes``
    (else 413) within ``body_read_timeout`` seconds of the headers (else 408 and close).
    Only then does a request count against ``max_concurrent_requests`` (else a fast 503),
    so clients that send their bodies slowly cannot take every slot. A request refused for
    its size is answered at once, and the rest of its body is then read and discarded
    (up to ``drain_bytes`` / ``drain_seconds``) before the connection closes: a client
    that sends everything before reading (urllib, requests) then sees the 413 instead of
    a connection reset.
    """

    def __init__(
        self,
        app: Any,
        *,
        max_request_bytes: int,
        max_concurrent_requests: int,
        body_read_timeout: float = 10.0,
        drain_bytes: int = 64 * 1_048_576,
        drain_seconds: float = 5.0,
    ) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.max_concurrent_requests = max_concurrent_requests
        self.body_read_timeout = body_read_timeout
        self.drain_bytes = drain_bytes
        self.drain_seconds = drain_seconds
        self.in_flight = 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        method, path = scope["method"], scope["path"]
        kind = route_kind(method, path)
        started = time.perf_counter()
        status = [500]
        response_started = [False]

        async def send_with_id(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                response_started[0] = True
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (b"x-request-id", request_id.encode("latin-1"))
                ]
            await send(message)

        counted = kind in ("predict", "ores")
        try:
            body = await self._read_body(headers, receive, send_with_id)
            if body is None:  # refused (answered) or the client went away
                return
            if counted and self.in_flight >= self.max_concurrent_requests:
                REJECTED.labels(reason="overloaded").inc()
                await error_response(
                    Overloaded(
                        f"the server is at its limit of {self.max_concurrent_requests} "
                        "concurrent requests; retry shortly"
                    )
                )(scope, receive, send_with_id)
                return
            if counted:
                self.in_flight += 1
            try:
                await self.app(scope, _replay(body, receive), send_with_id)
            except Exception:  # noqa: BLE001 - a bug answers 500 and is logged once
                logger.exception("unexpected error on %s %s", method, path[:200])
                if status[0] == 500 and not response_started[0]:
                    await error_response(INTERNAL_ERROR)(scope, receive, send_with_id)
            finally:
                if counted:
                    self.in_flight -= 1
        finally:
            elapsed = time.perf_counter() - started
            REQUESTS.labels(kind=kind, status=str(status[0])).inc()
            LATENCY.labels(kind=kind).observe(elapsed)
            access_logger.info("%s %s %d %.1fms", method, path[:200], status[0], elapsed * 1000)
            request_id_var.reset(token)

    async def _read_body(
        self, headers: dict[str, str], receive: Callable, send: Callable
    ) -> bytes | None:
        """The whole body; or None once a refusal (413, 408) was sent or the client left."""
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_request_bytes:
            REJECTED.labels(reason="too_large").inc()
            # A client that waits for "100 Continue" has not sent its body and will not.
            drain = headers.get("expect", "").lower() != "100-continue"
            await self._refuse_too_large(receive, send, drain=drain)
            return None
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.body_read_timeout
        more = True
        while more:
            try:
                async with asyncio.timeout(deadline - time.monotonic()):
                    message = await receive()
            except TimeoutError:
                REJECTED.labels(reason="slow_body").inc()
                error = RequestTimeout(
                    f"the request body did not arrive within {self.body_read_timeout:g} s"
                )
                await _answer_and_close(error, send)
                return None
            if message["type"] != "http.request":  # http.disconnect: nobody to answer
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_request_bytes:
                REJECTED.labels(reason="too_large").inc()
                await self._refuse_too_large(receive, send, drain=message.get("more_body", False))
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _refuse_too_large(self, receive: Callable, send: Callable, *, drain: bool) -> None:
        """Answer 413 at once and close, but read and discard the rest of the body first
        (within the drain limits), like nginx's lingering close: closing a socket with
        unread data resets the connection, and a client still sending never reads the
        answer."""
        error = PayloadTooLarge(
            f"request body is larger than the limit of {self.max_request_bytes} bytes"
        )
        # The whole answer is sent now, but the response stays open (more_body) while
        # draining: the server stops reading and closes as soon as a response is complete.
        await _answer_and_close(error, send, more_body=True)
        if drain:
            drained = 0
            try:
                async with asyncio.timeout(self.drain_seconds):
                    while drained <= self.drain_bytes:
                        message = await receive()
                        drained += len(message.get("body", b""))
                        if not message.get("more_body", False):  # all read, or disconnected
                            break
            except TimeoutError:
                pass
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _replay(body: bytes, receive: Callable) -> Callable:
    """A ``receive`` that gives the application the body already read, then the server's
    own events (e.g. ``http.disconnect``)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> dict:
        if pending:
            return pending.pop()
        return await receive()

    return replay


async def _answer_and_close(
    error: ModelServerError, send: Callable, *, more_body: bool = False
) -> None:
    """Answer ``error`` with ``Connection: close`` (its request was not read to the end,
    so the connection cannot carry another). ``more_body`` leaves the response open."""
    response = error_response(error)
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers + [(b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": response.body, "more_body": more_body})


class TimedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools), with a time limit on a request's headers:
    ``header_read_timeout`` seconds from the connection's start, or from the previous
    answer on a kept-alive connection (uvicorn 0.21 has none: a client could hold a
    connection open forever by never finishing its headers). A connection that sent part
    of a request then gets a 408 JSON error; one that sent nothing is just closed."""

    header_read_timeout: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        self._begun = self._answered = 0  # requests begun (first byte) and answered
        super().connection_made(transport)
        self._start_header_timer()

    def on_message_begin(self) -> None:
        self._begun += 1
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._answered += 1
        super().on_response_complete()
        if not self.transport.is_closing():
            self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _start_header_timer(self) -> None:
        self._stop_header_timer()
        self._header_timer = self.loop.call_later(self.header_read_timeout, self._headers_late)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a (pipelined) request is being answered; its end restarts the timer
        REJECTED.labels(reason="slow_headers").inc()
        if self._begun > self._answered:  # part of a request arrived
            error = RequestTimeout(
                f"the request headers did not arrive within {self.header_read_timeout:g} s"
            )
            self.transport.write(error_response_bytes(error))
        self.transport.close()


def uvicorn_config(app: Any, settings: ServerSettings, *, host: str = "0.0.0.0") -> uvicorn.Config:
    """How every server runs ``app``: on ``settings.http_port``, with the time limit on
    request headers, uvicorn's own logs and access log off (ours are in the middleware)."""
    protocol = type(
        "TimedHttpToolsProtocol",
        (TimedHttpToolsProtocol,),
        {"header_read_timeout": settings.header_read_timeout},
    )
    return uvicorn.Config(
        app,
        host=host,
        port=settings.http_port,
        http=protocol,
        log_config=None,
        access_log=False,
    )


@dataclass
class Service:
    """What a service's builder returns to :func:`serve`: its models and extra routers,
    built on the :class:`SharedResources` it was given."""

    models: Sequence[JsonModel]
    routers: Sequence[APIRouter] = ()


@asynccontextmanager
async def lifespan(
    models: Sequence[JsonModel], resources: SharedResources | None = None
) -> AsyncIterator[None]:
    """The one startup and shutdown of a server: the shared resources start once, then
    each model; at exit the models stop, then the resources close once."""
    if resources is not None:
        await resources.startup()
    try:
        for model in models:
            await model.startup()
        try:
            yield
        finally:
            for model in models:
                await model.shutdown()
    finally:
        if resources is not None:
            await resources.shutdown()


def build_app(
    models: Sequence[JsonModel],
    settings: ServerSettings,
    *,
    routers: Sequence[APIRouter] = (),
    resources: SharedResources | None = None,
) -> FastAPI:
    """KServe's application for ``models``, with this project's errors and middleware; its
    startup and shutdown are :func:`lifespan`'s."""
    repository = ModelRepository()
    for model in models:
        repository.update(model)
    dataplane = JsonDataPlane(model_registry=repository)
    app = RESTServer(
        dataplane, ModelRepositoryExtension(model_registry=repository)
    ).create_application()
    app.title = "inference-services: " + ", ".join(model.name for model in models)
    app.router.redirect_slashes = False  # a redirect would name this pod's host, not the client's
    api_docs.install(app, models)
    for router in routers:
        app.include_router(router)
    install_handlers(app)
    app.add_middleware(
        RequestMiddleware,
        max_request_bytes=settings.max_request_bytes,
        max_concurrent_requests=settings.max_concurrent_requests,
        body_read_timeout=settings.body_read_timeout,
        drain_bytes=settings.rejected_body_drain_bytes,
        drain_seconds=settings.rejected_body_drain_seconds,
    )

    running = lifespan(models, resources)

    async def startup() -> None:
        await running.__aenter__()

    async def shutdown() -> None:
        await running.__aexit__(None, None, None)

    app.router.on_startup.append(startup)
    app.router.on_shutdown.append(shutdown)
    return app


def serve(
    build: Callable[[SharedResources], Service],
    settings: ServerSettings,
) -> None:
    """Configure logging, create the process's :class:`SharedResources`, build the service
    on them and load its models (a load failure exits with one line), and serve HTTP on
    ``settings.http_port`` until SIGTERM/SIGINT."""
    configure_logging(settings.log_level)
    resources = SharedResources(settings)
    try:
        service = build(resources)
        for model in service.models:
            if not model.ready:
                model.load()
    except ModelLoadError as error:
        print(f"startup error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    app = build_app(service.models, settings, routers=service.routers, resources=resources)
    logger.info(
        "serving %s on port %d",
        ", ".join(model.name for model in service.models),
        settings.http_port,
    )
    uvicorn.Server(uvicorn_config(app, settings)).run()
