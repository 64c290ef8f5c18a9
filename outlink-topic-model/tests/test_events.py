"""Page change events in, prediction change events out to EventGate (a local recorder)."""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Callable

import httpx
import pytest
from aiohttp import web
from outlink_transformer.model import OutlinkTransformer
from outlink_transformer.settings import PREDICTION_CHANGE_STREAM, TransformerSettings

from inference_common.events import PREDICTION_CHANGE_SCHEMA

from .support import NAME, PREDICT, Server, asgi_client
from .events import page_change, revision_create


class EventGate:
    """Records what is posted to it; answers ``status``."""

    def __init__(self) -> None:
        self.posts: list[Any] = []
        self.status = 201
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.posts.append(json.loads(await request.read()))
        return web.Response(status=self.status)


@pytest.fixture
async def eventgate(local_http: Callable) -> EventGate:
    gate = EventGate()
    gate.url = await local_http(gate.handle, path="/v1/events")
    gate.url += "/v1/events"
    return gate


@pytest.fixture
async def with_events(
    eventgate: EventGate, predictor_server: Server, embedded_wiki: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, OutlinkTransformer]]:
    settings = TransformerSettings(
        inference_name=NAME,
        predictor_host=predictor_server.host,
        wiki_url=embedded_wiki.base_url,
        eventgate_url=eventgate.url,
    )
    model = OutlinkTransformer(settings)
    async for client in asgi_client([model], settings):
        yield client, model


def outlinks_event(wiki: Any) -> dict[str, Any]:
    page = wiki.seed["pages"]["outlinks"]
    return page_change(page["title"], page["page_id"], page["rev_id"])


async def test_page_change_sends_a_prediction_change_event(
    with_events, eventgate: EventGate, embedded_wiki: Any, predictor_server: Server
) -> None:
    client, model = with_events
    source = outlinks_event(embedded_wiki)
    response = await client.post(PREDICT, json={"event": source, "threshold": 0.3})
    assert response.status_code == 200
    await model.events.drain()

    results = response.json()["prediction"]["results"]
    by_title = await client.post(
        PREDICT, json={"lang": "en", "page_title": source["page"]["page_title"], "threshold": 0.3}
    )
    assert response.content == by_title.content  # the event changes nothing in the answer

    assert len(eventgate.posts) == 1 and len(eventgate.posts[0]) == 1
    event = eventgate.posts[0][0]
    assert event["$schema"] == PREDICTION_CHANGE_SCHEMA
    assert event["meta"]["stream"] == PREDICTION_CHANGE_STREAM
    assert event["meta"]["domain"] == "en.wikipedia.org"
    assert event["meta"]["request_id"] == source["meta"]["request_id"]
    assert event["meta"]["id"] != source["meta"]["id"]
    for key in ("page", "revision", "wiki_id", "performer", "page_change_kind"):
        assert event[key] == source[key]
    classification = event["predicted_classification"]
    assert classification["model_name"] == "outlink-topic-model"
    predictor_version = httpx.post(
        predictor_server.url + PREDICT, json={"features_str": ""}
    ).json()["model_version"]
    assert classification["model_version"] == predictor_version
    assert classification["predictions"] == [r["topic"] for r in results]
    assert len(classification["probabilities"]) == 64
    for result in results:
        assert classification["probabilities"][result["topic"]] == result["score"]
    assert all(
        score < 0.3
        for topic, score in classification["probabilities"].items()
        if topic not in classification["predictions"]
    )


async def test_debug_event_answers_all_topics(with_events, eventgate, embedded_wiki) -> None:
    client, model = with_events
    response = await client.post(
        PREDICT, json={"event": outlinks_event(embedded_wiki), "debug": True}
    )
    await model.events.drain()
    assert len(response.json()["prediction"]["results"]) == 64
    predictions = eventgate.posts[0][0]["predicted_classification"]["predictions"]
    assert predictions and len(predictions) < 64  # still those above the threshold


async def test_no_event_for_revision_create_errors_or_without_eventgate(
    with_events, eventgate: EventGate, embedded_wiki: Any, transformer_client
) -> None:
    client, model = with_events
    page = embedded_wiki.seed["pages"]["outlinks"]
    created = revision_create(page["title"], page["page_id"], page["rev_id"])
    response = await client.post(PREDICT, json={"event": created})
    assert response.status_code == 200
    missing = page_change("No such page in this wiki", 99999, 99999)
    response = await client.post(PREDICT, json={"event": missing})
    assert response.status_code == 404
    await model.events.drain()
    assert eventgate.posts == []
    # A transformer without EVENTGATE_URL answers page change events all the same.
    response = await transformer_client.post(PREDICT, json={"event": outlinks_event(embedded_wiki)})
    assert response.status_code == 200


async def test_failing_eventgate_never_fails_the_answer(
    with_events, eventgate: EventGate, embedded_wiki: Any
) -> None:
    client, model = with_events
    eventgate.status = 500
    response = await client.post(PREDICT, json={"event": outlinks_event(embedded_wiki)})
    assert response.status_code == 200
    await model.events.drain()
    assert len(eventgate.posts) == 1
