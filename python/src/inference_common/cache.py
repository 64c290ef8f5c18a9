"""Caches: in-process (bounded LRU, entries optionally expiring) by default, Redis when
configured, and in-flight deduplication so that concurrent identical requests compute once.
Revscoring keeps scores in them; the outlink transformer keeps a page's outlinks.

A cache failure (Redis down, slow, garbage) is logged, counted and treated as a miss: the
cache can make scoring faster, never make it fail.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Iterable, Protocol

from prometheus_client import Counter

logger = logging.getLogger(__name__)

CACHE_LOOKUPS = Counter("score_cache_lookups_total", "Score cache lookups", ["result"])


class ScoreCache(Protocol):
    async def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The cached values of those keys that are cached."""

    async def set_many(self, items: dict[str, Any]) -> None:
        """Store JSON-serialisable values."""

    async def close(self) -> None: ...


class MemoryCache:
    """A bounded least-recently-used cache in this process; with ``ttl_seconds``, an entry
    older than that is a miss (and is dropped)."""

    def __init__(self, max_entries: int = 10_000, *, ttl_seconds: float | None = None) -> None:
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    async def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        found = {}
        now = time.monotonic()
        for key in keys:
            entry = self._items.get(key)
            if entry is None:
                continue
            stored, value = entry
            if self.ttl_seconds is not None and now - stored > self.ttl_seconds:
                del self._items[key]
                continue
            self._items.move_to_end(key)
            found[key] = value
        return found

    async def set_many(self, items: dict[str, Any]) -> None:
        now = time.monotonic()
        for key, value in items.items():
            self._items[key] = (now, value)
            self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    async def close(self) -> None:
        self._items.clear()


class RedisCache:
    """Scores in Redis, shared by every replica, with a time to live."""

    def __init__(self, url: str, *, ttl_seconds: int = 86_400, timeout: float = 0.5) -> None:
        import redis.asyncio as redis  # only servers that use Redis need the package

        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self.ttl_seconds = ttl_seconds

    async def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        keys = list(keys)
        if not keys:
            return {}
        try:
            values = await self._redis.mget(keys)
        except Exception as error:  # noqa: BLE001 - a cache failure is a miss
            CACHE_LOOKUPS.labels(result="error").inc(len(keys))
            logger.warning("Redis read failed, scoring without the cache: %s", error)
            return {}
        found = {}
        for key, value in zip(keys, values):
            if value is None:
                continue
            try:
                found[key] = json.loads(value)
            except ValueError:
                logger.warning("Redis held a malformed value for %s; ignored", key)
        return found

    async def set_many(self, items: dict[str, Any]) -> None:
        if not items:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(key, json.dumps(value), ex=self.ttl_seconds)
                await pipe.execute()
        except Exception as error:  # noqa: BLE001 - a cache failure never fails a score
            logger.warning("Redis write failed: %s", error)

    async def close(self) -> None:
        await self._redis.aclose()


class SingleFlight:
    """Concurrent calls for the same key share one computation."""

    def __init__(self) -> None:
        self._in_flight: dict[str, asyncio.Future[Any]] = {}

    def running(self, key: str) -> asyncio.Future[Any] | None:
        return self._in_flight.get(key)

    async def run_many(
        self,
        keys: list[str],
        compute: Callable[[list[str]], Awaitable[dict[str, Any]]],
    ) -> dict[str, Any]:
        """Values for ``keys``: awaited from computations already running, and computed
        together (one ``compute`` call) for the rest. ``compute`` returns a value per key;
        a key it leaves out, or an exception it raises, is raised to every waiter.

        The computation runs as its own task: a caller that is cancelled (its client went
        away) stops waiting, but the others waiting for the same keys still get them."""
        waiting = {key: self._in_flight[key] for key in keys if key in self._in_flight}
        mine = [key for key in keys if key not in waiting]
        loop = asyncio.get_running_loop()
        futures = {key: loop.create_future() for key in mine}
        self._in_flight.update(futures)

        def settle(task: asyncio.Task[dict[str, Any]]) -> None:
            for key, future in futures.items():
                self._in_flight.pop(key, None)
                if future.done():
                    continue
                if task.cancelled():
                    future.cancel()
                elif task.exception() is not None:
                    future.set_exception(task.exception())  # type: ignore[arg-type]
                elif key in task.result():
                    future.set_result(task.result()[key])
                else:
                    future.set_exception(KeyError(key))
                if future.done() and not future.cancelled():
                    future.exception()  # mark retrieved: no "never retrieved" warnings

        results: dict[str, Any] = {}
        if mine:
            task = loop.create_task(compute(mine))
            task.add_done_callback(settle)
            computed = await asyncio.shield(task)
            results.update({key: computed[key] for key in mine})
        for key, future in waiting.items():
            results[key] = await asyncio.shield(future)
        return results
