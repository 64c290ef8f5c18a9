"""Correctness under concurrency: hundreds of simultaneous requests for different
revisions, with the score cache disabled so that every one is computed, each get their
own revision's score, exactly as the same request alone."""

from __future__ import annotations

import asyncio
import itertools
import random
from pathlib import Path
from typing import Any, Callable

REQUESTS = 240
MODELS = ("enwiki-damaging", "enwiki-articlequality")


async def test_concurrent_requests_each_get_their_own_revisions_score(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    wiki_url: str,
    seed: dict[str, Any],
) -> None:
    revisions = list(seed["all_article_revisions"])
    assert len(revisions) >= 40
    # every article revision for articlequality, every fifth one for damaging too (an
    # edit model: parents and users are fetched as well), repeated to REQUESTS requests
    # and shuffled, so that neighbours ask for different revisions and models
    pairs = [("enwiki-articlequality", r) for r in revisions]
    pairs += [("enwiki-damaging", r) for r in revisions[::5]]
    plan = list(itertools.islice(itertools.cycle(pairs), REQUESTS))
    random.Random(7).shuffle(plan)
    async with start_server(
        models_dir=models_dir(*MODELS),
        wiki_url=wiki_url,
        score_cache_size=0,
        max_concurrent_requests=REQUESTS * 2,
    ) as server:
        assert server.engine.cache is None
        # each request alone, one at a time (a few revisions are errors for the edit
        # model, e.g. one by a hidden user: those must come back as the same errors)
        alone = {}
        for name, rev_id in pairs:
            response = await server.predict(name, {"rev_id": rev_id})
            alone[name, rev_id] = (response.status_code, response.json())
        assert sum(status == 200 for status, _ in alone.values()) >= 0.9 * len(alone)
        # the same requests, all at once (watching how many MediaWiki calls overlap)
        client = server.engine.client
        original_call = client.call
        in_flight = [0, 0]  # now, peak

        async def watched_call(endpoint: Any, params: Any) -> Any:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
            try:
                return await original_call(endpoint, params)
            finally:
                in_flight[0] -= 1

        client.call = watched_call  # type: ignore[method-assign]
        responses = await asyncio.wait_for(
            asyncio.gather(*(server.predict(name, {"rev_id": r}) for name, r in plan)), 600
        )
        assert len(responses) == REQUESTS
        assert in_flight[1] >= 20  # the requests really were handled concurrently
        for (name, rev_id), response in zip(plan, responses):
            status, body = alone[name, rev_id]
            assert response.status_code == status, response.text
            assert response.json() == body
            if status == 200:
                wiki, kind = name.rsplit("-", 1)
                assert list(body[wiki]["scores"]) == [str(rev_id)]
                assert list(body[wiki]["scores"][str(rev_id)]) == [kind]
            else:
                assert str(rev_id) in body["error"]["message"]
