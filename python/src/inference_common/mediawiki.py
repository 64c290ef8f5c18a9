"""The async MediaWiki Action API client shared by every server.

- calls made with ``mwapi.AsyncSession`` over the process's one shared aiohttp session
  (:class:`~.http.HttpClient`), whose User-Agent follows Wikimedia's policy;
- reads are GETs, as Wikimedia's API etiquette asks; a query too long for a URL is POSTed;
- bounded retries with backoff (the shared :func:`~.http.with_retries`) for transient
  failures (connection errors, 5xx, 429 with ``Retry-After``, API errors ``maxlag``,
  ``ratelimited``, ``readonly``), then a clear
  :class:`UpstreamUnavailable` / :class:`UpstreamError` / :class:`UpstreamTimeout`;
- an optional Host header (the internal-endpoint pattern: one gateway URL, the wiki chosen
  by Host) that is sent only to that endpoint, never to another host;
- continuation, and lookups of revisions, users and pages that classify ``badrevids``,
  missing pages and deleted text into the error hierarchy.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Iterable, Mapping, Sequence
from urllib.parse import urlencode, urlsplit

import aiohttp
import mwapi
import mwapi.errors

from .errors import (
    ModelServerError,
    PageNotFound,
    RevisionNotFound,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from .http import HttpClient, Transient, user_agent
from .settings import ServerSettings

__all__ = ["Endpoint", "MediaWikiClient", "endpoint_for", "require_page", "user_agent"]

logger = logging.getLogger(__name__)

# API error codes worth retrying: the wiki asked us to slow down or is briefly read-only.
TRANSIENT_API_ERRORS = frozenset(
    {"maxlag", "ratelimited", "readonly", "internal_api_error_DBQueryError"}
)
TRANSIENT_HTTP_STATUSES = frozenset({429, 500, 502, 503, 504})
# The API accepts at most 50 values per multi-value parameter for ordinary clients.
MAX_IDS_PER_REQUEST = 50
# A longer query string is POSTed: URLs past ~8 KB are refused by some proxies.
MAX_GET_QUERY_BYTES = 7000
REVISION_PROPS = "ids|timestamp|user|userid|comment|size|flags|content|contentmodel|sha1"


@dataclass(frozen=True)
class Endpoint:
    """Where one wiki's API is reached: a URL, and the Host header to send there (if any)."""

    api_url: str
    host_header: str | None = None
    public_host: str = ""

    @property
    def wiki_host(self) -> str:
        """The wiki's public host name, e.g. ``en.wikipedia.org``."""
        return self.public_host or self.host_header or ""


def endpoint_for(settings: ServerSettings, wiki_host: str) -> Endpoint:
    """The endpoint of the wiki at ``wiki_host``: ``WIKI_URL`` with a Host header when set
    (an internal gateway), else the public ``https://{wiki_host}``."""
    if settings.wiki_url is not None:
        base = str(settings.wiki_url).rstrip("/")
        return Endpoint(base + settings.wiki_api_path, wiki_host, wiki_host)
    return Endpoint(f"https://{wiki_host}{settings.wiki_api_path}", None, wiki_host)


class MediaWikiClient:
    """Async access to MediaWiki Action APIs. Safe to share between concurrent requests:
    it holds no per-request state.

    Calls go through ``mwapi.AsyncSession`` (one per endpoint) over the process's shared
    :class:`~.http.HttpClient` session, with the project's policy on top: reads are GETs
    (a query too long for a URL is POSTed), the Host header goes to its endpoint only
    (redirects are refused), and transient failures are retried by the shared retry
    helper. See python/README.md, "MediaWiki transport", for what mwapi does and does not
    carry."""

    def __init__(self, http: HttpClient) -> None:
        # the process's shared client (its owner, SharedResources, closes it)
        self.http = http
        self._sessions: dict[Endpoint, mwapi.AsyncSession] = {}

    async def close(self) -> None:
        self._sessions.clear()

    def _mwapi(self, endpoint: Endpoint) -> mwapi.AsyncSession:
        """The endpoint's mwapi session (its headers are the endpoint's: UA and Host)."""
        session = self._sessions.get(endpoint)
        if session is None:
            url = urlsplit(endpoint.api_url)
            session = mwapi.AsyncSession(
                f"{url.scheme}://{url.netloc}",
                user_agent=self.http.user_agent,
                formatversion=2,
                api_path=url.path or "/",
                session=_PolicySession(self.http, endpoint),
            )
            if endpoint.host_header:
                session.headers["Host"] = endpoint.host_header
            self._sessions[endpoint] = session
        return session

    # -- one call -------------------------------------------------------------------

    async def call(self, endpoint: Endpoint, params: Mapping[str, Any]) -> dict[str, Any]:
        """One API call, retried while the failure is transient: a GET, or a POST when
        the query would not fit a URL (:data:`MAX_GET_QUERY_BYTES`).

        Returns the decoded JSON; API errors that are not transient raise
        :class:`UpstreamError` naming the API's error code.
        """
        data = _encode_params(params)
        size = len(urlencode({"format": "json", "formatversion": "2", **data}))
        method = "POST" if size > MAX_GET_QUERY_BYTES else "GET"
        where = endpoint.wiki_host or endpoint.api_url
        return await self.http.retrying(
            lambda: self._call_once(endpoint, method, data), f"MediaWiki {where}"
        )

    async def _call_once(
        self, endpoint: Endpoint, method: str, data: dict[str, str]
    ) -> dict[str, Any]:
        where = endpoint.wiki_host or endpoint.api_url
        try:
            document = await self._mwapi(endpoint).request(method, dict(data))
        except Exception as error:  # noqa: BLE001 - classified below, re-raised
            raise _classify(error, where) from None
        if not isinstance(document, dict):
            raise UpstreamError(f"MediaWiki ({where}) answered JSON that is not an object")
        return document

    # -- continuation ---------------------------------------------------------------

    async def query_pages(
        self, endpoint: Endpoint, params: Mapping[str, Any], *, max_calls: int = 20
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield each response of an ``action=query`` call, following ``continue``."""
        continuation: dict[str, Any] = {}
        for _ in range(max_calls):
            document = await self.call(endpoint, {"action": "query", **params, **continuation})
            yield document
            next_continuation = document.get("continue")
            if not isinstance(next_continuation, dict):
                return
            continuation = next_continuation
        raise UpstreamError(f"MediaWiki query did not finish in {max_calls} continuations")

    async def query(
        self, endpoint: Endpoint, params: Mapping[str, Any], *, max_calls: int = 20
    ) -> dict[str, Any]:
        """An ``action=query`` call with all its continuations merged into one ``query``."""
        merged: dict[str, Any] = {}
        async for document in self.query_pages(endpoint, params, max_calls=max_calls):
            query = document.get("query", {})
            if not isinstance(query, dict):
                raise UpstreamError("MediaWiki answered a query without a 'query' object")
            _merge_query(merged, query)
        return merged

    # -- lookups --------------------------------------------------------------------

    async def revisions(
        self,
        endpoint: Endpoint,
        rev_ids: Iterable[int],
        *,
        props: str = REVISION_PROPS,
    ) -> dict[int, dict[str, Any] | ModelServerError]:
        """Revisions by id, fetched in as few calls as the API allows (50 ids a call, run
        concurrently). Each id maps to its revision (with its page's ``pageid``,
        ``title`` and ``ns`` added) or to the error that says why it is unavailable."""
        ids = list(dict.fromkeys(rev_ids))
        chunks = [ids[i : i + MAX_IDS_PER_REQUEST] for i in range(0, len(ids), MAX_IDS_PER_REQUEST)]
        results = await asyncio.gather(
            *(self._revision_chunk(endpoint, chunk, props) for chunk in chunks)
        )
        found: dict[int, dict[str, Any] | ModelServerError] = {}
        for result in results:
            found.update(result)
        return found

    async def _revision_chunk(
        self, endpoint: Endpoint, ids: Sequence[int], props: str
    ) -> dict[int, dict[str, Any] | ModelServerError]:
        params: dict[str, Any] = {"prop": "revisions", "revids": ids, "rvprop": props}
        if "content" in props:
            params["rvslots"] = "main"
        query = await self.query(endpoint, params)
        found: dict[int, dict[str, Any] | ModelServerError] = {}
        for page in _as_list(query.get("pages")):
            for revision in _as_list(page.get("revisions")):
                revision = {**revision, "page": _page_fields(page)}
                found[int(revision["revid"])] = revision
        for rev_id in _bad_ids(query.get("badrevids")):
            found[rev_id] = RevisionNotFound(f"revision {rev_id} does not exist or was deleted")
        for rev_id in ids:
            if rev_id not in found:
                found[rev_id] = RevisionNotFound(f"revision {rev_id} was not returned by the wiki")
        return found

    async def first_revisions(
        self,
        endpoint: Endpoint,
        page_ids: Iterable[int],
        *,
        props: str = "ids|timestamp|user|userid|comment|size|flags|contentmodel",
    ) -> dict[int, dict[str, Any]]:
        """Each page's first revision (its creation), with ``"page"`` attached; pages with
        none are left out. One call per page, concurrently: the API allows ``rvlimit``
        with a single page only. Deliberately not :meth:`query`, which would follow
        ``continue`` through the page's whole history."""

        async def first(page_id: int) -> tuple[int, dict[str, Any] | None]:
            document = await self.call(
                endpoint,
                {
                    "action": "query",
                    "prop": "revisions",
                    "pageids": page_id,
                    "rvdir": "newer",
                    "rvlimit": 1,
                    "rvprop": props,
                },
            )
            for page in _as_list((document.get("query") or {}).get("pages")):
                revisions = _as_list(page.get("revisions"))
                if revisions:
                    return page_id, {**revisions[0], "page": _page_fields(page)}
            return page_id, None

        pairs = await asyncio.gather(*(first(page_id) for page_id in dict.fromkeys(page_ids)))
        return {page_id: revision for page_id, revision in pairs if revision is not None}

    async def users(
        self,
        endpoint: Endpoint,
        names: Iterable[str],
        *,
        props: str = "groups|registration|editcount|emailable|gender",
    ) -> dict[str, dict[str, Any]]:
        """User info by name (``missing``/``invalid`` entries kept as the API gives them)."""
        unique = [name for name in dict.fromkeys(names) if name and "|" not in name]
        chunks = [
            unique[i : i + MAX_IDS_PER_REQUEST] for i in range(0, len(unique), MAX_IDS_PER_REQUEST)
        ]
        results = await asyncio.gather(
            *(
                self.query(endpoint, {"list": "users", "ususers": chunk, "usprop": props})
                for chunk in chunks
            )
        )
        return {
            user["name"]: user
            for query in results
            for user in _as_list(query.get("users"))
            if isinstance(user, dict) and "name" in user
        }


def require_page(query: Mapping[str, Any], what: str) -> dict[str, Any]:
    """The single page of a query result, or :class:`PageNotFound`."""
    pages = _as_list(query.get("pages"))
    if not pages:
        raise PageNotFound(f"page {what} does not exist")
    page = pages[0]
    if page.get("missing") or page.get("invalid"):
        raise PageNotFound(f"page {what} does not exist")
    return page


class _PolicySession:
    """What ``mwapi.AsyncSession`` sees as its aiohttp session: the shared session, with
    the policy mwapi cannot apply itself. Redirects are refused (a gateway's Host header
    must never reach another host); HTTP 429 and 5xx raise :class:`Transient` with the
    answer's ``Retry-After``; any other status but 200 is an :class:`UpstreamError`; the
    body is decoded as JSON whatever its Content-Type."""

    def __init__(self, http: HttpClient, endpoint: Endpoint) -> None:
        self._http = http
        self._where = endpoint.wiki_host or endpoint.api_url

    def request(self, *, method: str, url: str, params: Any, data: Any, headers: Any, **_: Any):
        return self._exchange(method, url, params, data, headers)

    @asynccontextmanager
    async def _exchange(self, method, url, params, data, headers) -> AsyncIterator["_Answer"]:
        async with self._http.session.request(
            method, url, params=params, data=data, headers=headers, allow_redirects=False
        ) as response:
            body = await response.read()
            status = response.status
            retry_after = _parse_retry_after(response.headers.get("Retry-After"))
        where = self._where
        if status in TRANSIENT_HTTP_STATUSES:
            final: ModelServerError = (
                UpstreamUnavailable(f"MediaWiki ({where}) asked to back off (HTTP 429)")
                if status == 429
                else UpstreamError(f"MediaWiki ({where}) answered HTTP {status}")
            )
            raise Transient(final, retry_after)
        if status != 200:
            raise UpstreamError(f"MediaWiki ({where}) answered HTTP {status}")
        try:
            yield _Answer(body)
        except mwapi.errors.APIError as error:  # raised by mwapi on the answer we gave it
            raise _api_failure(error, where, retry_after) from None


class _Answer:
    """The part of an aiohttp response that mwapi reads: ``json()`` and ``text()``."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as error:  # mwapi re-raises "Could not decode as JSON"
            raise _Malformed() from error

    async def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _Malformed(ValueError):
    pass


def _api_failure(error: mwapi.errors.APIError, where: str, retry_after: float | None) -> Exception:
    """An API error answer: transient ones (maxlag...) retried after the answer's
    ``Retry-After``, the others an :class:`UpstreamError` naming the code."""
    code, info = str(error.code or "unknown"), str(error.info or "")[:300]
    if code in TRANSIENT_API_ERRORS:
        return Transient(
            UpstreamUnavailable(f"MediaWiki ({where}) is unavailable: {code}: {info}"),
            retry_after,
        )
    return UpstreamError(f"MediaWiki ({where}) API error {code}: {info}")


def _classify(error: BaseException, where: str) -> Exception:
    """What a failed mwapi call means here (mwapi wraps the adapter's own exceptions, and
    API errors, in ``mwapi.errors.RequestError``; their cause is the original)."""
    cause = error.__cause__ if isinstance(error, mwapi.errors.RequestError) else None
    if isinstance(cause, (Transient, ModelServerError)):
        return cause
    if isinstance(cause, mwapi.errors.APIError):
        return _api_failure(cause, where, None)
    if isinstance(error, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return Transient(UpstreamTimeout(f"MediaWiki ({where}) did not answer in time"))
    if isinstance(error, aiohttp.ClientConnectionError):
        return Transient(UpstreamUnavailable(f"MediaWiki ({where}) unreachable: {error}"))
    if isinstance(error, ValueError):
        return UpstreamError(f"MediaWiki ({where}) answered malformed JSON")
    return Transient(UpstreamError(f"MediaWiki ({where}) request failed: {error}"))


def _encode_params(params: Mapping[str, Any]) -> dict[str, str]:
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if value is None or value is False:
            continue
        if value is True:
            encoded[key] = "1"
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = [str(item) for item in value]
            if any("|" in item for item in items):
                # MediaWiki's alternative separator keeps "|" inside one value.
                encoded[key] = "\x1f" + "\x1f".join(items)
            else:
                encoded[key] = "|".join(items)
        else:
            encoded[key] = str(value)
    return encoded


def _parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _as_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    if isinstance(value, dict):  # formatversion=1 shape, tolerated
        return [item for item in value.values() if isinstance(item, dict)]
    return []


def _bad_ids(value: Any) -> list[int]:
    if isinstance(value, dict):
        value = list(value.values())
    ids = []
    for item in value or []:
        try:
            ids.append(int(item["revid"] if isinstance(item, dict) else item))
        except (KeyError, TypeError, ValueError):
            continue
    return ids


def _page_fields(page: Mapping[str, Any]) -> dict[str, Any]:
    return {key: page[key] for key in ("pageid", "ns", "title") if key in page}


def _merge_query(merged: dict[str, Any], query: Mapping[str, Any]) -> None:
    """Merge one continuation's ``query`` into the ones before: pages by id/title (their
    list properties concatenated), other lists concatenated, dicts updated."""
    for key, value in query.items():
        if key == "pages":
            pages = merged.setdefault("pages", [])
            index = {(p.get("pageid"), p.get("title")): p for p in pages}
            for page in _as_list(value):
                existing = index.get((page.get("pageid"), page.get("title")))
                if existing is None:
                    page = dict(page)
                    pages.append(page)
                    index[(page.get("pageid"), page.get("title"))] = page
                    continue
                for field, item in page.items():
                    if isinstance(item, list) and isinstance(existing.get(field), list):
                        existing[field] = existing[field] + item
                    elif isinstance(item, dict) and isinstance(existing.get(field), dict):
                        existing[field] = {**existing[field], **item}
                    else:
                        existing[field] = item
        elif isinstance(value, list):
            merged[key] = merged.get(key, []) + value
        elif isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
