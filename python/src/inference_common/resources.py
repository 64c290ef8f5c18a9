"""The one owner of what a server process shares between its models and requests.

:class:`SharedResources` holds the outgoing HTTP client (:class:`~.http.HttpClient`: one
aiohttp session, one retry helper), the MediaWiki and EventGate clients on it, and what
a service adds with :meth:`SharedResources.own`: a process pool, a score cache, a scoring
engine. ``serve`` creates it, hands it to the service's builder (which hands the same
clients and engine to every model and router), starts it once before the first request
and shuts it down once at exit (:func:`inference_common.lifespan.lifespan`), parts in the
reverse order they were added, the clients last.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol, TypeVar

from .events import EventGateClient
from .http import HttpClient
from .mediawiki import MediaWikiClient
from .pool import ProcessPool
from .settings import ServerSettings

logger = logging.getLogger(__name__)


class Part(Protocol):
    """Something with a lifecycle: ``start()`` before the first request, ``close()`` at
    exit (each called once, by the owner)."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


P = TypeVar("P", bound=Part)


class PoolPart:
    """A :class:`ProcessPool` as a part: its workers start before the first request and
    stop at exit (both in a thread: they block)."""

    def __init__(self, pool: ProcessPool) -> None:
        self.pool = pool

    async def start(self) -> None:
        await asyncio.to_thread(self.pool.warm_up)

    async def close(self) -> None:
        await asyncio.to_thread(self.pool.shutdown)


class SharedResources:
    """Clients, pool, cache and engine of one server process; no per-request state."""

    def __init__(self, settings: ServerSettings, *, wiki: MediaWikiClient | None = None) -> None:
        """``wiki`` replaces the MediaWiki client built on the shared HTTP client (tests)."""
        self.settings = settings
        self.http = HttpClient.from_settings(settings)
        self.wiki = wiki if wiki is not None else MediaWikiClient(self.http)
        self.events = EventGateClient.from_settings(settings, self.http)
        self._parts: list[Part] = []

    def own(self, part: P) -> P:
        """Start ``part`` with the others and close it at exit; returns it."""
        self._parts.append(part)
        return part

    def own_pool(self, pool: ProcessPool) -> ProcessPool:
        self.own(PoolPart(pool))
        return pool

    async def startup(self) -> None:
        for part in self._parts:
            await part.start()

    async def shutdown(self) -> None:
        """Close every part (reverse order), then the clients; a failing close is logged
        and the others still close."""
        closers = [part.close for part in reversed(self._parts)]
        if self.events is not None:
            closers.append(self.events.close)
        closers += [self.wiki.close, self.http.close]
        for close in closers:
            try:
                await close()
            except Exception:  # noqa: BLE001 - shutdown goes on
                logger.exception("closing %r failed", close)
