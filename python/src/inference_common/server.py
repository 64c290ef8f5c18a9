"""The KServe application of every server, its middleware, and the ``serve`` entry point.

:func:`build_app` builds KServe's own REST application (V1/V2 protocol, health, metrics)
for the given models and adds what every server here needs: the one error format
(:mod:`.errors`), request ids, a request size limit (413), an in-flight limit on inference
routes (a fast 503 with Retry-After instead of unbounded queueing), one access log line
per request, and startup/shutdown hooks for the models' async resources.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any, Callable, Sequence

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

from .errors import (
    HTTPError,
    ModelLoadError,
    Overloaded,
    PayloadTooLarge,
    InvalidInput,
    error_response,
    install_handlers,
)
from .inputs import decode_body
from .log import configure_logging, request_id_var
from .model import JsonModel
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
    """Pure ASGI middleware: request id, size limit, in-flight limit, access log, metrics."""

    def __init__(self, app: Any, *, max_request_bytes: int, max_concurrent_requests: int) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.max_concurrent_requests = max_concurrent_requests
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

        received = [0]

        async def limited_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                received[0] += len(message.get("body", b""))
                if received[0] > self.max_request_bytes:
                    raise PayloadTooLarge(self._too_large_message())
            return message

        counted = kind in ("predict", "ores")
        try:
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_request_bytes:
                REJECTED.labels(reason="too_large").inc()
                await error_response(PayloadTooLarge(self._too_large_message()))(
                    scope, receive, send_with_id
                )
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
                await self.app(scope, limited_receive, send_with_id)
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

    def _too_large_message(self) -> str:
        return f"request body is larger than the limit of {self.max_request_bytes} bytes"


def build_app(
    models: Sequence[JsonModel],
    settings: ServerSettings,
    *,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """KServe's application for ``models``, with this project's errors and middleware."""
    repository = ModelRepository()
    for model in models:
        repository.update(model)
    dataplane = JsonDataPlane(model_registry=repository)
    app = RESTServer(
        dataplane, ModelRepositoryExtension(model_registry=repository)
    ).create_application()
    app.title = "inference-services: " + ", ".join(model.name for model in models)
    for router in routers:
        app.include_router(router)
    install_handlers(app)
    app.add_middleware(
        RequestMiddleware,
        max_request_bytes=settings.max_request_bytes,
        max_concurrent_requests=settings.max_concurrent_requests,
    )

    async def startup() -> None:
        for model in models:
            await model.startup()

    async def shutdown() -> None:
        for model in models:
            await model.shutdown()

    app.router.on_startup.append(startup)
    app.router.on_shutdown.append(shutdown)
    return app


def serve(
    make_models: Callable[[], Sequence[JsonModel]],
    settings: ServerSettings,
    *,
    routers: Callable[[Sequence[JsonModel]], Sequence[APIRouter]] | None = None,
) -> None:
    """Configure logging, load the models (a load failure exits with one line), and serve
    HTTP on ``settings.http_port`` until SIGTERM/SIGINT."""
    configure_logging(settings.log_level)
    try:
        models = list(make_models())
        for model in models:
            if not model.ready:
                model.load()
    except ModelLoadError as error:
        print(f"startup error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    app = build_app(models, settings, routers=routers(models) if routers else ())
    logger.info(
        "serving %s on port %d", ", ".join(model.name for model in models), settings.http_port
    )
    config = uvicorn.Config(
        app, host="0.0.0.0", port=settings.http_port, log_config=None, access_log=False
    )
    uvicorn.Server(config).run()
