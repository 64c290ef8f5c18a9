import asyncio

import pytest
from aiohttp import web

from inference_common import http

from inference_common.errors import InvalidInput
from inference_common.events import (
    EventGateClient,
    parse_event,
    prediction_change_event,
    revision_score_event,
)

REVISION_CREATE = {
    "$schema": "/mediawiki/revision/create/1.1.0",
    "meta": {
        "domain": "en.wikipedia.org",
        "stream": "mediawiki.revision-create",
        "uri": "https://en.wikipedia.org/wiki/A",
        "request_id": "r1",
    },
    "database": "enwiki",
    "page_id": 5,
    "page_title": "A",
    "page_namespace": 0,
    "rev_id": 123,
    "rev_parent_id": 122,
    "rev_timestamp": "2024-01-01T00:00:00Z",
    "performer": {"user_text": "Someone"},
}
PAGE_CHANGE = {
    "$schema": "/mediawiki/page/change/1.1.0",
    "meta": {"domain": "nl.wikipedia.org", "stream": "mediawiki.page_change.v1"},
    "wiki_id": "nlwiki",
    "page_change_kind": "edit",
    "page": {"page_id": 9, "page_title": "B", "namespace_id": 0},
    "revision": {"rev_id": 77, "rev_parent_id": 70},
}


def test_parse_revision_create() -> None:
    event = parse_event(REVISION_CREATE)
    assert (event.wiki_id, event.lang, event.rev_id, event.parent_rev_id) == (
        "enwiki",
        "en",
        123,
        122,
    )
    assert (event.page_id, event.page_title, event.page_namespace) == (5, "A", 0)


def test_parse_page_change() -> None:
    event = parse_event(PAGE_CHANGE)
    assert (event.wiki_id, event.lang, event.rev_id, event.page_title) == ("nlwiki", "nl", 77, "B")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "JSON object"),
        ({}, "\\$schema"),
        (
            {**REVISION_CREATE, "$schema": "/mediawiki/page/delete/1.0.0"},
            "unsupported event schema",
        ),
        ({**REVISION_CREATE, "meta": None}, "meta"),
        ({**REVISION_CREATE, "rev_id": "123"}, "rev_id"),
        ({**REVISION_CREATE, "rev_id": -1}, "rev_id"),
        ({**REVISION_CREATE, "database": 5}, "database"),
        ({**PAGE_CHANGE, "revision": None}, "'page' and 'revision'"),
    ],
)
def test_malformed_events(event: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_event(event)


def test_revision_score_event() -> None:
    event = revision_score_event(
        parse_event(REVISION_CREATE),
        {
            "damaging": {
                "model_version": "0.5.1",
                "prediction": False,
                "probability": {"true": 0.1, "false": 0.9},
            }
        },
        "mediawiki.revision-score",
    )
    assert event["$schema"] == "/mediawiki/revision/score/2.0.0"
    assert event["meta"]["stream"] == "mediawiki.revision-score"
    assert event["meta"]["request_id"] == "r1"
    assert event["rev_id"] == 123 and event["database"] == "enwiki"
    assert event["scores"]["damaging"]["prediction"] == ["false"]


def test_prediction_change_event() -> None:
    event = prediction_change_event(
        parse_event(PAGE_CHANGE),
        model_name="outlink-topic-model",
        model_version="1",
        predictions=["STEM.Technology"],
        probabilities={"STEM.Technology": 0.9},
        stream="s",
    )
    assert event["$schema"].startswith("/mediawiki/page/prediction_classification_change/")
    assert event["page"]["page_id"] == 9 and event["wiki_id"] == "nlwiki"
    assert event["predicted_classification"]["predictions"] == ["STEM.Technology"]


@pytest.fixture
async def eventgate(unused_tcp_port):
    received: list = []
    status = {"code": 201}

    async def handle(request: web.Request) -> web.Response:
        received.append({"body": await request.json(), "headers": dict(request.headers)})
        return web.Response(status=status["code"])

    app = web.Application()
    app.router.add_post("/v1/events", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    yield f"http://127.0.0.1:{unused_tcp_port}/v1/events", received, status
    await runner.cleanup()


async def test_events_are_posted_in_the_background(eventgate) -> None:
    url, received, _ = eventgate
    shared = http.HttpClient(user_agent="tests")
    client = EventGateClient(url, http=shared, token="t0ken")
    client.send_in_background({"a": 1})
    await client.close()
    await shared.close()
    assert received[0]["body"] == [{"a": 1}]
    assert received[0]["headers"]["Authorization"] == "Bearer t0ken"


async def test_a_failing_eventgate_never_raises(eventgate, unused_tcp_port_factory, caplog) -> None:
    url, received, status = eventgate
    status["code"] = 500
    shared = http.HttpClient(user_agent="tests")
    client = EventGateClient(url, http=shared, token="t0ken")
    await client.send({"a": 1})
    down = EventGateClient(f"http://127.0.0.1:{unused_tcp_port_factory()}/", http=shared)
    await down.send({"a": 1})
    await client.close()
    await down.close()
    await shared.close()
    assert "HTTP 500" in caplog.text and "t0ken" not in caplog.text


async def test_a_transient_eventgate_failure_is_retried_by_the_shared_helper(
    eventgate, monkeypatch
) -> None:
    """EventGate's retries are the shared helper's (the one loop of every outgoing call)."""
    url, received, status = eventgate
    status["code"] = 503
    helper_calls: list[str] = []
    original = http.with_retries

    async def counting(attempt, policy, what):
        helper_calls.append(what)
        return await original(attempt, policy, what)

    monkeypatch.setattr(http, "with_retries", counting)
    shared = http.HttpClient(user_agent="tests")
    client = EventGateClient(url, http=shared, retry=http.RetryPolicy(retries=2, backoff=0.01))

    async def recover() -> None:
        while len(received) < 1:
            await asyncio.sleep(0.001)
        status["code"] = 201

    await asyncio.gather(client.send({"a": 1}), recover())
    await client.close()
    assert shared.is_open  # the owner of the shared client closes it
    await shared.close()
    assert helper_calls == ["EventGate"]
    assert [r["body"] for r in received] == [[{"a": 1}], [{"a": 1}]]
    assert received[0]["headers"]["User-Agent"] == "tests"


def test_a_revision_create_input_is_restated_as_a_page_change() -> None:
    event = prediction_change_event(
        parse_event(REVISION_CREATE),
        model_name="m",
        model_version="1",
        predictions=["true"],
        probabilities={"true": 0.9, "false": 0.1},
        stream="s",
    )
    assert event["$schema"].startswith("/mediawiki/page/prediction_classification_change/")
    assert event["wiki_id"] == "enwiki" and event["page_change_kind"] == "edit"
    assert event["page"] == {"page_id": 5, "page_title": "A", "namespace_id": 0}
    assert event["revision"]["rev_id"] == 123 and event["revision"]["rev_parent_id"] == 122
    assert "database" not in event and "rev_id" not in event  # no revision-create fields
