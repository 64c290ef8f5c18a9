"""The page -> outlinks cache against the embedded MediaWiki: a kept answer is the wiki's
answer, a page's new revision or an expired entry is read again, and the transformer's
responses are the same bytes with the cache as without it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from outlink_transformer.model import OutlinkTransformer
from outlink_transformer.outlinks import (
    outlink_cache,
    outlink_key,
    outlink_qids,
    page_outlink_qids,
    resolve_page,
)
from outlink_transformer.settings import TransformerSettings

from inference_common.http import HttpClient
from inference_common.mediawiki import MediaWikiClient, endpoint_for

from .support import PREDICT, asgi_client


class CountingClient(MediaWikiClient):
    """The real client; it counts the API calls it makes."""

    calls: list[dict[str, Any]]

    async def call(self, endpoint, params):  # type: ignore[no-untyped-def]
        self.calls.append(dict(params))
        return await super().call(endpoint, params)


@pytest.fixture
async def counting(transformer_settings: TransformerSettings):
    http = HttpClient.from_settings(transformer_settings)
    client = CountingClient(http)
    client.calls = []
    yield client, endpoint_for(transformer_settings, "en.wikipedia.org")
    await http.close()


def links_calls(client: CountingClient) -> int:
    return sum(1 for params in client.calls if params.get("generator") == "links")


ROLES = ("outlinks", "many_outlinks", "no_outlinks", "redirect")


async def test_kept_answers_are_the_wikis(counting, embedded_wiki) -> None:
    client, endpoint = counting
    cache = outlink_cache(100, 600)
    for role in ROLES:
        page = await resolve_page(
            client, endpoint, title=embedded_wiki.seed["pages"][role]["title"]
        )
        # the page's latest revision (the manifest's, where it names one), read in the call
        # that resolves the page
        assert page.latest_revision == embedded_wiki.seed["pages"][role].get(
            "rev_id", page.latest_revision
        )
        assert isinstance(page.latest_revision, int)
        fresh = await outlink_qids(client, endpoint, page.page_id, limit=1000)
        first = await page_outlink_qids(client, endpoint, page, limit=1000, cache=cache)
        before = links_calls(client)
        again = await page_outlink_qids(client, endpoint, page, limit=1000, cache=cache)
        assert first == fresh and again == fresh, role
        assert links_calls(client) == before, f"{role}: a kept answer must not call the wiki"
    # continuation: the 600-link page takes more than one call, all of them kept
    assert len(cache) == len(ROLES)


async def test_a_new_revision_or_an_old_entry_is_read_again(counting, embedded_wiki) -> None:
    client, endpoint = counting
    page = await resolve_page(
        client, endpoint, title=embedded_wiki.seed["pages"]["outlinks"]["title"]
    )
    cache = outlink_cache(100, 600)
    await page_outlink_qids(client, endpoint, page, limit=1000, cache=cache)
    before = links_calls(client)
    edited = dataclasses.replace(page, latest_revision=page.latest_revision + 1)
    await page_outlink_qids(client, endpoint, edited, limit=1000, cache=cache)
    assert links_calls(client) == before + 1
    # a different limit is a different answer
    assert len(await page_outlink_qids(client, endpoint, page, limit=3, cache=cache)) == 3
    expiring = outlink_cache(100, 1e-9)
    await page_outlink_qids(client, endpoint, page, limit=1000, cache=expiring)
    before = links_calls(client)
    await page_outlink_qids(client, endpoint, page, limit=1000, cache=expiring)
    assert links_calls(client) == before + 1


async def test_the_cache_is_bounded() -> None:
    cache = outlink_cache(2, 600)
    for page_id in range(5):
        await cache.set_many({outlink_key("en.wikipedia.org", page_id, 1, 1000): [f"Q{page_id}"]})
    assert len(cache) == 2

    async def get(page_id: int) -> Any:
        key = outlink_key("en.wikipedia.org", page_id, 1, 1000)
        return (await cache.get_many([key])).get(key)

    assert await get(4) == ["Q4"]
    assert await get(0) is None


async def test_responses_are_the_same_bytes_with_and_without_the_cache(
    transformer_settings: TransformerSettings, embedded_wiki
) -> None:
    uncached = transformer_settings.model_copy(update={"outlink_cache_size": 0})
    bodies = [{"lang": "en", "page_title": embedded_wiki.seed["pages"][r]["title"]} for r in ROLES]
    bodies.append({"lang": "en", "page_id": embedded_wiki.seed["pages"]["outlinks"]["page_id"]})
    bodies.append(
        {
            "lang": "en",
            "page_title": embedded_wiki.seed["pages"]["outlinks"]["title"],
            "debug": True,
        }
    )
    answers: dict[str, list[bytes]] = {}
    for label, settings in (("cached", transformer_settings), ("uncached", uncached)):
        transformer = OutlinkTransformer(settings)
        assert (transformer.outlink_cache is None) == (label == "uncached")
        answers[label] = []
        async for client in asgi_client([transformer], settings):
            for _ in range(2):  # the second round is served from the cache
                for body in bodies:
                    response = await client.post(PREDICT, json=body)
                    assert response.status_code == 200, response.text
                    answers[label].append(response.content)
    assert answers["cached"] == answers["uncached"]
