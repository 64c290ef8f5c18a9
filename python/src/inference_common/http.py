"""The one outgoing HTTP client of a server process, and the one retry policy.

Every outgoing call (MediaWiki, the outlink predictor, EventGate) goes through one
:class:`HttpClient`: one :class:`aiohttp.ClientSession` (one connection pool, one
User-Agent), created lazily inside the running event loop and closed once at shutdown,
and one retry loop, :meth:`HttpClient.retrying`: an attempt raises :class:`Transient`
for a failure worth another try (naming what to raise when the tries run out, and the
server's ``Retry-After`` if it gave one); any other exception ends the call at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import Awaitable, Callable, TypeVar

import aiohttp

from . import __version__
from .errors import ModelServerError
from .settings import ServerSettings

logger = logging.getLogger(__name__)
T = TypeVar("T")


def user_agent(settings: ServerSettings) -> str:
    """``name/version (contact) lib/version``, per Wikimedia's User-Agent policy."""
    return f"{settings.user_agent} inference-common/{__version__} aiohttp/{aiohttp.__version__}"


class Transient(Exception):
    """A failed attempt worth retrying, and what to raise if retries run out."""

    def __init__(self, final: ModelServerError, retry_after: float | None = None) -> None:
        super().__init__(final.message)
        self.final = final
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a transient failure is retried."""

    retries: int = 2
    backoff: float = 0.2  # the first retry's delay; doubles per retry, plus up to 50% jitter
    max_retry_after: float = 5.0  # a longer wait (asked or computed) gives up instead

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry ``attempt + 1``, or None to give up."""
        if attempt >= self.retries:
            return None
        delay = retry_after
        if delay is None:
            delay = self.backoff * (2**attempt) * (1 + random.random() / 2)
        return None if delay > self.max_retry_after else delay


async def with_retries(attempt: Callable[[], Awaitable[T]], policy: RetryPolicy, what: str) -> T:
    """``await attempt()`` until it succeeds, retrying :class:`Transient` failures as
    ``policy`` allows; then raise the last failure's ``final`` error."""
    tries = 0
    while True:
        try:
            return await attempt()
        except Transient as transient:
            delay = policy.delay(tries, transient.retry_after)
            if delay is None:
                raise transient.final from None
            tries += 1
            logger.info("%s: %s; retry %d in %.2fs", what, transient.final.message, tries, delay)
            await asyncio.sleep(delay)


class HttpClient:
    """The process's one outgoing HTTP session and retry policy; safe to share between
    concurrent requests (it holds no per-request state)."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self.user_agent = user_agent
        self.timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=connect_timeout)
        self.retry = retry
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, settings: ServerSettings) -> "HttpClient":
        return cls(
            user_agent=user_agent(settings),
            timeout=settings.http_timeout,
            connect_timeout=settings.http_connect_timeout,
            retry=RetryPolicy(
                retries=settings.http_retries, max_retry_after=settings.http_max_retry_after
            ),
        )

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared session, created on first use inside the running event loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self.timeout,
                headers={"User-Agent": self.user_agent},
                connector=aiohttp.TCPConnector(limit=100, ttl_dns_cache=300),
                raise_for_status=False,
            )
        return self._session

    @property
    def is_open(self) -> bool:
        """Whether the session exists and is not closed."""
        return self._session is not None and not self._session.closed

    async def retrying(
        self,
        attempt: Callable[[], Awaitable[T]],
        what: str,
        *,
        policy: RetryPolicy | None = None,
    ) -> T:
        """:func:`with_retries` with this client's policy (or ``policy``)."""
        return await with_retries(attempt, policy or self.retry, what)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
