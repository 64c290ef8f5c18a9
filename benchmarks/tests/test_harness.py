"""Smoke tests of the harness itself (no timing is asserted).

Run by ``tox -e benchmarks`` (part of ``make test``), or with any service environment
(from the repository root): ``python -m pytest -o pythonpath=benchmarks benchmarks/tests``.
They check that the corpus is deterministic and realistic, that the replay server answers
the exact queries the shared MediaWiki client sends, and that the load generator counts
answers and errors.
"""

from __future__ import annotations

import asyncio

import corpus
import loadgen
import pytest
import replay
from aiohttp import web as aiohttp_web

from inference_common import documents, http, mediawiki
from inference_testing.harness import free_port

SMALL = dict(seed=7, pages=4, per_page=3)


def test_corpus_is_deterministic_and_sized() -> None:
    first = corpus.Corpus(corpus.generate(**SMALL))
    second = corpus.Corpus(corpus.generate(**SMALL))
    assert first.digest() == second.digest()
    assert first.digest() != corpus.Corpus(corpus.generate(8, 4, 3)).digest()
    assert len(first.scored_rev_ids()) == 4 * 2
    for rev_id, rev in first.revisions.items():
        assert 10_000 <= first.text_bytes(rev_id) <= 30_000
        assert "[[" in rev["text"] and "<ref" in rev["text"] and "\n== " in rev["text"]
        if rev["parentid"]:
            assert rev["parentid"] in first.revisions


def test_default_corpus_has_200_scored_revisions() -> None:
    data = corpus.Corpus(corpus.generate())
    assert len(set(data.scored_rev_ids())) >= 200


@pytest.fixture
def replay_url():
    data = corpus.Corpus(corpus.generate(**SMALL))
    port = free_port()
    loop = asyncio.new_event_loop()
    runner = aiohttp_web.AppRunner(replay.make_app(data))
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(aiohttp_web.TCPSite(runner, "127.0.0.1", port).start())
    yield loop, f"http://127.0.0.1:{port}", data
    loop.run_until_complete(runner.cleanup())
    loop.close()


def test_replay_answers_the_shared_client(replay_url) -> None:
    loop, url, data = replay_url
    shared = http.HttpClient(user_agent="bench-test/1 (test@example.org)")
    client = mediawiki.MediaWikiClient(shared)
    endpoint = mediawiki.Endpoint(url + "/w/api.php", "en.wikipedia.org", "en.wikipedia.org")
    rev_ids = data.scored_rev_ids()

    async def scenario() -> None:
        found = await client.revisions(endpoint, rev_ids + [1])
        assert isinstance(found[1], mediawiki.RevisionNotFound)
        for rev_id in rev_ids:
            revision = found[rev_id]
            assert revision["revid"] == rev_id
            assert documents.require_text(revision) == data.revisions[rev_id]["text"]
            assert (
                revision["page"]["title"] == data.page_fields(revision["page"]["pageid"])["title"]
            )
        names = [data.revisions[r]["user"] for r in rev_ids if data.revisions[r]["userid"]]
        users = await client.users(endpoint, names)
        assert set(names) <= set(users)
        page_id = data.revisions[rev_ids[0]]["pageid"]
        first = await client.call(
            endpoint,
            {
                "action": "query",
                "prop": "revisions",
                "pageids": page_id,
                "rvdir": "newer",
                "rvlimit": 1,
                "rvprop": "ids|timestamp",
            },
        )
        assert first["query"]["pages"][0]["revisions"][0]["revid"] == data.first_rev_id(page_id)
        title = data.page_fields(page_id)["title"]
        page = await client.query(endpoint, {"titles": title, "redirects": 1})
        assert page["pages"][0]["pageid"] == page_id
        links = await client.query(
            endpoint,
            {
                "pageids": page_id,
                "generator": "links",
                "gplnamespace": 0,
                "gpllimit": 50,
                "prop": "pageprops",
                "ppprop": "wikibase_item",
                "redirects": 1,
            },
        )  # 50 a call: continuation is followed
        assert [p["title"] for p in links["pages"]] == data.links(page_id)
        await shared.close()

    loop.run_until_complete(scenario())


def test_loadgen_counts_answers_and_errors(replay_url) -> None:
    loop, url, _ = replay_url
    port = int(url.rsplit(":", 1)[1])
    good = loadgen.encode_request("127.0.0.1", port, "GET", "/_stats")
    bad = loadgen.encode_request("127.0.0.1", port, "GET", "/nothing-here")
    result = loop.run_until_complete(
        loadgen.run_load("127.0.0.1", port, [good, bad], concurrency=2, duration=0.3)
    )
    assert result.count > 0 and result.errors > 0
    assert result.percentile(50) <= result.percentile(99)
