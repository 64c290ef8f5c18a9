"""A page's outlinks as Wikidata ids: the model's features.

Two Action API calls (more with continuation), the second only when the answer is not
kept already:

1. ``titles=T`` (or ``pageids=N``) with ``redirects=1&prop=revisions&rvprop=ids``: does
   the page exist, what is its id and canonical title (after normalization and
   redirects), and which is its latest revision? (``prop=info`` says that too, at half
   again the wiki's CPU: measured 13-14 ms against 8-9 ms per call on the embedded wiki.)
2. ``pageids=N&generator=links&gplnamespace=0&gpllimit=max&prop=pageprops
   &ppprop=wikibase_item&redirects=1``, following ``continue``: the pages it links to in
   the main namespace, links to redirects resolved to their targets, each with its
   Wikidata id. Red links and pages without a Wikidata item add nothing.

:func:`outlink_cache` keeps the answer of 2 per wiki, page and latest revision (an edit of
the page is a new key), for at most ``OUTLINK_CACHE_TTL`` seconds (a linked page's new
Wikidata id is seen after that at the latest).

The ids are kept in the order the wiki gives them until ``limit`` are read (no further
calls after that), then sorted by number: the feature string of a page does not depend
on the API's paging.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from inference_common.cache import MemoryCache
from inference_common.errors import UpstreamError
from inference_common.mediawiki import Endpoint, MediaWikiClient, require_page

from .request import QID

logger = logging.getLogger(__name__)

LINK_PARAMS: dict[str, Any] = {
    "generator": "links",
    "gplnamespace": 0,
    "gpllimit": "max",
    "prop": "pageprops",
    "ppprop": "wikibase_item",
    "redirects": 1,
}
# 500 links a call: a page with more than 10,000 links is read only that far.
MAX_LINK_CALLS = 20


@dataclass(frozen=True)
class Page:
    page_id: int
    title: str
    latest_revision: int | None = None


async def resolve_page(
    client: MediaWikiClient,
    endpoint: Endpoint,
    *,
    title: str | None = None,
    page_id: int | None = None,
) -> Page:
    """The page a title (or id) names, redirects followed; ``PageNotFound`` if none."""
    params: dict[str, Any] = {"redirects": 1, "prop": "revisions", "rvprop": "ids"}
    if title is not None:
        params["titles"] = title
        what = repr(title)
    else:
        params["pageids"] = page_id
        what = f"id {page_id}"
    query = await client.query(endpoint, params)
    page = require_page(query, what)
    if not isinstance(page.get("pageid"), int) or not isinstance(page.get("title"), str):
        raise UpstreamError(f"MediaWiki answered page {what} without its id and title")
    revisions = page.get("revisions")
    latest = revisions[0].get("revid") if isinstance(revisions, list) and revisions else None
    return Page(page["pageid"], page["title"], latest if isinstance(latest, int) else None)


def qids_of(pages: Iterable[Mapping[str, Any]]) -> list[str]:
    """The Wikidata ids of linked pages, in order: red links and pages without an item
    are skipped, anything that is not a Q-id is ignored."""
    found = []
    for page in pages:
        if page.get("missing") or page.get("invalid"):
            continue
        props = page.get("pageprops")
        qid = props.get("wikibase_item") if isinstance(props, dict) else None
        if isinstance(qid, str) and QID.match(qid):
            found.append(qid)
    return found


def features_string(qids: Iterable[str]) -> str:
    """The model's input: distinct ids sorted by number, separated by spaces."""
    return " ".join(sorted(set(qids), key=lambda qid: int(qid[1:])))


async def outlink_qids(
    client: MediaWikiClient, endpoint: Endpoint, page_id: int, *, limit: int
) -> list[str]:
    """Up to ``limit`` distinct Wikidata ids of the pages ``page_id`` links to."""
    seen: dict[str, None] = {}
    calls = 0
    pages = client.query_pages(
        endpoint, {"pageids": page_id, **LINK_PARAMS}, max_calls=MAX_LINK_CALLS + 1
    )
    async with contextlib.aclosing(pages):
        async for document in pages:
            calls += 1
            query = document.get("query") or {}
            batch = query.get("pages") if isinstance(query, dict) else None
            for qid in qids_of(batch if isinstance(batch, list) else []):
                seen.setdefault(qid)
                if len(seen) >= limit:
                    return list(seen)
            if calls >= MAX_LINK_CALLS:
                logger.info("page %d: read the first %d calls of links only", page_id, calls)
                break
    return list(seen)


def outlink_cache(max_entries: int, ttl_seconds: float) -> MemoryCache:
    """The page -> outlinks cache: the shared in-process cache, entries expiring after
    ``ttl_seconds`` (a linked page's new Wikidata id shows by then at the latest). Shared by
    every request of a server; holds only what the wiki answered, never request state."""
    return MemoryCache(max_entries, ttl_seconds=ttl_seconds)


def outlink_key(wiki: str, page_id: int, latest_revision: int, limit: int) -> str:
    return f"{wiki}|{page_id}|{latest_revision}|{limit}"


async def page_outlink_qids(
    client: MediaWikiClient,
    endpoint: Endpoint,
    page: Page,
    *,
    limit: int,
    cache: MemoryCache | None,
) -> list[str]:
    """:func:`outlink_qids` of a resolved page, from ``cache`` when the page's latest
    revision was read there recently."""
    if cache is None or page.latest_revision is None:
        return await outlink_qids(client, endpoint, page.page_id, limit=limit)
    wiki = endpoint.wiki_host or endpoint.api_url
    key = outlink_key(wiki, page.page_id, page.latest_revision, limit)
    kept = (await cache.get_many([key])).get(key)
    if kept is not None:
        return list(kept)
    qids = await outlink_qids(client, endpoint, page.page_id, limit=limit)
    await cache.set_many({key: tuple(qids)})
    return qids
