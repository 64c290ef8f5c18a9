"""The request middleware of every server: request ids, the access log, metrics, and the
limits of a request (size 413, body time 408, requests in flight 503)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from typing import Any, Callable, Mapping

from .errors import (
    HTTPError,
    ModelServerError,
    Overloaded,
    PayloadTooLarge,
    RequestTimeout,
    error_response,
)
from .log import request_id_var
from .metrics import LATENCY, REJECTED, REQUESTS, is_inference, route_kind

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("inference_common.access")

INTERNAL_ERROR = HTTPError("internal server error", status=500)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestMiddleware:
    """Pure ASGI middleware: request id, access log, metrics, and the limits of a request.

    The body is read here, before the application runs: at most ``max_request_bytes``
    (else 413) within ``body_read_timeout`` seconds of the headers (else 408 and close).
    Only then does an inference request (KServe's ``:predict``, and a service's own
    ``inference_routes``: path prefix -> metrics label) count against
    ``max_concurrent_requests`` (else a fast 503), so clients that send their bodies
    slowly cannot take every slot. A request refused for its size is answered at once,
    and the rest of its body is then read and discarded
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
        inference_routes: Mapping[str, str] | None = None,
        body_read_timeout: float = 10.0,
        drain_bytes: int = 64 * 1_048_576,
        drain_seconds: float = 5.0,
    ) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes
        self.max_concurrent_requests = max_concurrent_requests
        self.inference_routes = dict(inference_routes or {})
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
        kind = route_kind(method, path, self.inference_routes)
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

        counted = is_inference(kind)
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
