"""uvicorn's HTTP/1.1 protocol with a time limit on a request's headers (uvicorn has none:
a client could hold a connection open forever by never finishing its headers)."""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .errors import RequestTimeout, error_response_bytes
from .metrics import REJECTED


class TimedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools), with a time limit on a request's headers:
    ``header_read_timeout`` seconds from the connection's start, or from the previous
    answer on a kept-alive connection. A connection that sent part of a request then gets
    a 408 JSON error; one that sent nothing is just closed. The same on uvicorn 0.21
    (KServe 0.13) and 0.55 (KServe 0.21)."""

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


def timed_protocol(header_read_timeout: float) -> type[TimedHttpToolsProtocol]:
    """The protocol class uvicorn is given (it instantiates it per connection)."""
    return type(
        "TimedHttpToolsProtocol",
        (TimedHttpToolsProtocol,),
        {"header_read_timeout": header_read_timeout},
    )
