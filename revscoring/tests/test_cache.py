"""The score cache seen from HTTP: hits make no MediaWiki call (counted by the proxy),
in process by default and in a real Redis shared by two servers when REDIS_URL is set;
concurrent identical requests compute once; another model file never serves old scores;
features bypass the cache; Redis down never fails a score."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

import redis.asyncio as redis

from .support import Server, WikiProxy, free_port
from inference_common.cache import MemoryCache, RedisCache

EDIT_MODELS = ("enwiki-damaging", "enwiki-goodfaith")


def batch(rev_ids: list[int], models: str = "damaging|goodfaith") -> dict[str, str]:
    return {"models": models, "revids": "|".join(map(str, rev_ids))}


async def get_scores(server: Server, params: dict[str, str]) -> dict[str, Any]:
    response = await server.client.get("/v3/scores/enwiki/", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def flush(redis_url: str) -> None:
    """Empty the session's Redis, so that a test sees only the scores it stored."""
    client = redis.Redis.from_url(redis_url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


def some_revisions(revisions: list[int], count: int, offset: int = 0) -> list[int]:
    return revisions[offset : offset + count]


async def test_the_second_identical_request_is_an_in_process_hit(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    wiki_proxy: WikiProxy,
    article_revisions: list[int],
) -> None:
    wiki_proxy.reset()
    async with start_server(models_dir=models_dir(*EDIT_MODELS), wiki_url=wiki_proxy.url) as server:
        assert isinstance(server.engine.cache, MemoryCache)
        params = batch(some_revisions(article_revisions, 5))
        first = await get_scores(server, params)
        calls = len(wiki_proxy.calls)
        assert calls >= 2
        assert await get_scores(server, params) == first
        assert len(wiki_proxy.calls) == calls
        # :predict shares the cache with /v3
        rev_id = some_revisions(article_revisions, 1)[0]
        single = await server.score("enwiki-goodfaith", rev_id)
        assert single["enwiki"]["scores"] == {
            str(rev_id): {"goodfaith": first["enwiki"]["scores"][str(rev_id)]["goodfaith"]}
        }
        assert len(wiki_proxy.calls) == calls


async def test_concurrent_identical_requests_compute_once(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    wiki_proxy: WikiProxy,
    article_revisions: list[int],
) -> None:
    wiki_proxy.reset()
    async with start_server(models_dir=models_dir(*EDIT_MODELS), wiki_url=wiki_proxy.url) as server:
        params = batch(some_revisions(article_revisions, 4, offset=10))
        bodies = await asyncio.gather(*(get_scores(server, params) for _ in range(25)))
        assert all(body == bodies[0] for body in bodies)
        assert len(wiki_proxy.calls_of("revisions")) == 2  # revisions, then their parents
        assert len(wiki_proxy.calls_of("users")) <= 1
        assert len(wiki_proxy.calls) == len(wiki_proxy.calls_of("revisions")) + len(
            wiki_proxy.calls_of("users")
        )


async def test_features_bypass_the_cache(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    wiki_proxy: WikiProxy,
    article_revisions: list[int],
) -> None:
    wiki_proxy.reset()
    async with start_server(models_dir=models_dir(*EDIT_MODELS), wiki_url=wiki_proxy.url) as server:
        params = batch(some_revisions(article_revisions, 2, offset=20), "damaging")
        plain = await get_scores(server, params)
        calls = len(wiki_proxy.calls)
        extended = await get_scores(server, {**params, "features": "true"})
        assert len(wiki_proxy.calls) == 2 * calls
        for rev_id, by_model in extended["enwiki"]["scores"].items():
            assert by_model["damaging"]["score"] == (
                plain["enwiki"]["scores"][rev_id]["damaging"]["score"]
            )
            assert by_model["damaging"]["features"]
        assert await get_scores(server, params) == plain  # still cached, without features
        assert len(wiki_proxy.calls) == 2 * calls


async def test_two_servers_share_scores_through_redis(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    wiki_proxy: WikiProxy,
    redis_url: str,
    article_revisions: list[int],
) -> None:
    wiki_proxy.reset()
    await flush(redis_url)
    directory = models_dir(*EDIT_MODELS)
    rev_ids = some_revisions(article_revisions, 3, offset=25)
    params = batch(rev_ids)
    async with (
        start_server(models_dir=directory, wiki_url=wiki_proxy.url, redis_url=redis_url) as first,
        start_server(models_dir=directory, wiki_url=wiki_proxy.url, redis_url=redis_url) as second,
    ):
        assert isinstance(first.engine.cache, RedisCache)
        computed = await get_scores(first, params)
        calls = len(wiki_proxy.calls)
        assert calls >= 2
        assert await get_scores(second, params) == computed
        assert len(wiki_proxy.calls) == calls
    client = redis.Redis.from_url(redis_url)
    try:
        damaging = first.model("enwiki-damaging").served
        keys = sorted(k.decode() for k in await client.keys("ores:enwiki:damaging:*"))
        for rev_id in rev_ids:
            key = f"ores:enwiki:damaging:{damaging.version}:{damaging.digest}:{rev_id}"
            assert key in keys
            assert 0 < await client.ttl(key) <= first.settings.score_cache_ttl
    finally:
        await client.aclose()


async def test_another_model_file_never_serves_old_scores_from_redis(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    wiki_proxy: WikiProxy,
    redis_url: str,
    demo_models: dict[str, Path],
    article_revisions: list[int],
) -> None:
    """A server serving another file as enwiki-damaging (same name and version, another
    digest) computes its own scores although Redis holds the old file's."""
    params = batch(some_revisions(article_revisions, 3, offset=30), "damaging")
    swapped = models_dir(files={"enwiki-damaging": demo_models["enwiki-goodfaith"]})
    wiki_proxy.reset()
    await flush(redis_url)
    async with start_server(
        models_dir=models_dir("enwiki-damaging"), wiki_url=wiki_proxy.url, redis_url=redis_url
    ) as old:
        old_scores = await get_scores(old, params)
    async with start_server(
        models_dir=swapped, wiki_url=wiki_proxy.url, redis_url=redis_url
    ) as new:
        assert new.model("enwiki-damaging").served.version == (
            old.model("enwiki-damaging").served.version
        )
        wiki_proxy.calls.clear()
        new_scores = await get_scores(new, params)
        assert len(wiki_proxy.calls_of("revisions")) == 2  # computed, not read from Redis
    async with start_server(models_dir=swapped, wiki_url=wiki_proxy.url, score_cache_size=0) as ref:
        assert new_scores == await get_scores(ref, params)
    assert new_scores != old_scores


async def test_redis_down_never_fails_a_score(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    wiki_url: str,
    demo_server: Server,
    article_revisions: list[int],
) -> None:
    async with start_server(
        models_dir=models_dir(*EDIT_MODELS),
        wiki_url=wiki_url,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
    ) as server:
        params = batch(some_revisions(article_revisions, 2, offset=5))
        for _ in range(2):
            body = await asyncio.wait_for(get_scores(server, params), 60)
            assert body == await get_scores(demo_server, params)
        rev_id = article_revisions[0]
        assert await server.score("enwiki-damaging", rev_id) == await demo_server.score(
            "enwiki-damaging", rev_id
        )
