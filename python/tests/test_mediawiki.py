"""The MediaWiki client against a scripted stand-in on loopback: retries, faults, the
Host header, continuation and error classification."""

import asyncio
import re
import time

import pytest
from aiohttp import web

from inference_common.errors import (
    RevisionNotFound,
    TextDeleted,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from inference_common.documents import require_text
from inference_common.http import HttpClient, RetryPolicy
from inference_common.mediawiki import Endpoint, MediaWikiClient, endpoint_for, user_agent
from inference_common.settings import ServerSettings

OK = {"batchcomplete": True, "query": {"pages": []}}


@pytest.fixture
async def client():
    shared = HttpClient(
        user_agent="tests/1.0 (test@example.org)",
        timeout=1.0,
        retry=RetryPolicy(retries=2, backoff=0.01, max_retry_after=2),
    )
    yield MediaWikiClient(shared)
    await shared.close()


def endpoint(wiki) -> Endpoint:
    return Endpoint(wiki.url + "/w/api.php", "en.wikipedia.org", "en.wikipedia.org")


async def test_user_agent_host_header_and_format(client, fake_wiki) -> None:
    fake_wiki.then(fake_wiki.json(OK))
    await client.call(endpoint(fake_wiki), {"action": "query", "titles": ["A", "B"]})
    sent = fake_wiki.requests[0]
    assert sent["headers"]["Host"] == "en.wikipedia.org"
    assert sent["headers"]["User-Agent"] == "tests/1.0 (test@example.org)"
    assert sent["form"]["format"] == "json" and sent["form"]["formatversion"] == "2"
    assert sent["form"]["titles"] == "A|B"


async def test_a_value_with_a_pipe_stays_one_value(client, fake_wiki) -> None:
    fake_wiki.then(fake_wiki.json(OK))
    await client.call(endpoint(fake_wiki), {"titles": ["A|B"]})
    assert fake_wiki.requests[0]["form"]["titles"] == "\x1fA|B"


async def test_reads_are_gets(client, fake_wiki) -> None:
    fake_wiki.then(fake_wiki.json(OK), fake_wiki.json(OK))
    await client.call(endpoint(fake_wiki), {"action": "query", "titles": ["A", "B"]})
    await client.revisions(endpoint(fake_wiki), [1, 2, 3])
    assert [sent["method"] for sent in fake_wiki.requests] == ["GET", "GET"]
    assert fake_wiki.requests[1]["form"]["revids"] == "1|2|3"


async def test_a_query_too_long_for_a_url_is_posted(client, fake_wiki) -> None:
    titles = [f"A rather long page title number {i}" for i in range(300)]
    fake_wiki.then(fake_wiki.json(OK))
    await client.call(endpoint(fake_wiki), {"action": "query", "titles": titles})
    sent = fake_wiki.requests[0]
    assert sent["method"] == "POST"
    assert sent["form"]["titles"].split("|") == titles
    assert sent["headers"]["Host"] == "en.wikipedia.org"


def test_user_agent_follows_wikimedia_policy() -> None:
    agent = user_agent(ServerSettings(inference_name="x", user_agent="svc/1.0 (ml@example.org)"))
    assert re.fullmatch(r"svc/1\.0 \(ml@example\.org\) inference-common/\S+ aiohttp/\S+", agent)


def test_endpoint_for_settings() -> None:
    internal = endpoint_for(
        ServerSettings(inference_name="x", wiki_url="http://gateway:8080"), "nl.wikipedia.org"
    )
    assert internal == Endpoint(
        "http://gateway:8080/w/api.php", "nl.wikipedia.org", "nl.wikipedia.org"
    )
    public = endpoint_for(ServerSettings(inference_name="x"), "nl.wikipedia.org")
    assert public.api_url == "https://nl.wikipedia.org/w/api.php"
    assert public.host_header is None


async def test_host_header_never_follows_a_redirect(client, fake_wiki) -> None:
    fake_wiki.then(lambda request: web.Response(status=302, headers={"Location": "http://evil/"}))
    with pytest.raises(UpstreamError, match="HTTP 302"):
        await client.call(endpoint(fake_wiki), {})
    assert len(fake_wiki.requests) == 1


@pytest.mark.parametrize(
    "transient",
    [
        lambda wiki: wiki.json({}, status=503),
        lambda wiki: wiki.json({}, status=429, headers={"Retry-After": "0"}),
        lambda wiki: wiki.json(
            {"error": {"code": "maxlag", "info": "Waiting for db: 6 s lagged"}},
            headers={"Retry-After": "0"},
        ),
        lambda wiki: wiki.json({"error": {"code": "ratelimited", "info": "slow down"}}),
        lambda wiki: wiki.json({"error": {"code": "readonly", "info": "maintenance"}}),
    ],
)
async def test_transient_failures_are_retried(client, fake_wiki, transient) -> None:
    fake_wiki.then(transient(fake_wiki), fake_wiki.json(OK))
    assert await client.call(endpoint(fake_wiki), {}) == OK
    assert len(fake_wiki.requests) == 2


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (lambda wiki: wiki.json({}, status=500), UpstreamError, "HTTP 500"),
        (lambda wiki: wiki.json({}, status=429), UpstreamUnavailable, "back off"),
        (
            lambda wiki: wiki.json({"error": {"code": "maxlag", "info": "lag"}}),
            UpstreamUnavailable,
            "maxlag",
        ),
    ],
)
async def test_retries_are_bounded(client, fake_wiki, answer, error, message) -> None:
    fake_wiki.then(*(answer(fake_wiki) for _ in range(5)))
    with pytest.raises(error, match=message):
        await client.call(endpoint(fake_wiki), {})
    assert len(fake_wiki.requests) == 3  # one call and two retries


async def test_a_long_retry_after_is_not_waited_for(client, fake_wiki) -> None:
    fake_wiki.then(fake_wiki.json({}, status=429, headers={"Retry-After": "3600"}))
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable):
        await client.call(endpoint(fake_wiki), {})
    assert time.monotonic() - started < 1  # behaviour: no hour-long wait (generous bound)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            lambda request: web.Response(text="{not json", content_type="application/json"),
            "malformed JSON",
        ),
        (
            lambda request: web.Response(text='{"query": {"pag', content_type="application/json"),
            "malformed JSON",
        ),
        (
            lambda request: web.Response(text="[1]", content_type="application/json"),
            "not an object",
        ),
        (
            lambda request: web.Response(text='{"error": {"code": "badvalue", "info": "bad"}}'),
            "badvalue",
        ),
        (lambda request: web.Response(status=404, text="nope"), "HTTP 404"),
    ],
)
async def test_garbage_is_a_clear_upstream_error(client, fake_wiki, answer, message) -> None:
    fake_wiki.then(answer)
    with pytest.raises(UpstreamError, match=message):
        await client.call(endpoint(fake_wiki), {})


async def test_timeouts(client, fake_wiki) -> None:
    async def slow(request):
        await asyncio.sleep(3)
        return web.json_response(OK)

    fake_wiki.then(slow, slow, slow)
    with pytest.raises(UpstreamTimeout):
        await client.call(endpoint(fake_wiki), {})


async def test_a_slow_answer_then_recovery(client, fake_wiki) -> None:
    async def slow(request):
        await asyncio.sleep(3)
        return web.json_response(OK)

    fake_wiki.then(slow, fake_wiki.json(OK))
    assert await client.call(endpoint(fake_wiki), {}) == OK


async def test_connection_refused(client, unused_tcp_port_factory) -> None:
    closed = Endpoint(f"http://127.0.0.1:{unused_tcp_port_factory()}/w/api.php")
    with pytest.raises(UpstreamUnavailable, match="unreachable"):
        await client.call(closed, {})


async def test_continuation_is_followed_and_merged(client, fake_wiki) -> None:
    fake_wiki.then(
        fake_wiki.json(
            {
                "continue": {"gplcontinue": "1|2", "continue": "gplcontinue||"},
                "query": {
                    "pages": [{"pageid": 1, "title": "A"}],
                    "redirects": [{"from": "R", "to": "A"}],
                },
            }
        ),
        fake_wiki.json({"batchcomplete": True, "query": {"pages": [{"pageid": 2, "title": "B"}]}}),
    )
    query = await client.query(endpoint(fake_wiki), {"generator": "links", "titles": "X"})
    assert [page["title"] for page in query["pages"]] == ["A", "B"]
    assert query["redirects"] == [{"from": "R", "to": "A"}]
    assert fake_wiki.requests[1]["form"]["gplcontinue"] == "1|2"


async def test_revisions_are_batched_and_classified(client, fake_wiki) -> None:
    def answer(request):
        return web.json_response(
            {
                "query": {
                    "badrevids": {"999": {"revid": 999, "missing": True}},
                    "pages": [
                        {
                            "pageid": 5,
                            "ns": 0,
                            "title": "A",
                            "revisions": [
                                {"revid": 1, "slots": {"main": {"content": "text"}}},
                                {"revid": 2, "slots": {"main": {"texthidden": True}}},
                            ],
                        }
                    ],
                }
            }
        )

    fake_wiki.then(answer)
    result = await client.revisions(endpoint(fake_wiki), [1, 2, 999, 1])
    assert fake_wiki.requests[0]["form"]["revids"] == "1|2|999"
    assert result[1]["page"] == {"pageid": 5, "ns": 0, "title": "A"}
    assert require_text(result[1]) == "text"
    with pytest.raises(TextDeleted):
        require_text(result[2])
    assert isinstance(result[999], RevisionNotFound)


async def test_more_than_50_revisions_take_several_calls(client, fake_wiki) -> None:
    fake_wiki.then(*(fake_wiki.json(OK) for _ in range(3)))
    result = await client.revisions(endpoint(fake_wiki), range(1, 121))
    assert sorted(len(r["form"]["revids"].split("|")) for r in fake_wiki.requests) == [20, 50, 50]
    assert all(isinstance(error, RevisionNotFound) for error in result.values())
