"""Events in (``mediawiki/revision/create``, ``mediawiki/page/change``) score the event's
revision; with EVENTGATE_URL a ``mediawiki/revision/score`` event goes out, and a failing
EventGate never fails the score."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx
import pytest
from .support import EventRecorder, Server, free_port

from revscoring_server.demo import DEMO_VERSION

DAMAGING = "enwiki-damaging"


@pytest.fixture(scope="module")
def revision_info(embedded_wiki: Any) -> Callable[[int], dict[str, Any]]:
    """What MediaWiki says about a revision (page, parent, user, timestamp), so that the
    test events describe real revisions of the embedded wiki."""
    known: dict[int, dict[str, Any]] = {}

    def info(rev_id: int) -> dict[str, Any]:
        if rev_id not in known:
            answer = httpx.get(
                str(embedded_wiki.api_url),
                params={
                    "action": "query",
                    "prop": "revisions",
                    "revids": rev_id,
                    "rvprop": "ids|timestamp|user|userid|size|contentmodel",
                    "format": "json",
                    "formatversion": "2",
                },
                timeout=30,
            ).json()
            page = answer["query"]["pages"][0]
            known[rev_id] = {**page["revisions"][0], "page": page}
        return known[rev_id]

    return info


def revision_create_event(info: dict[str, Any]) -> dict[str, Any]:
    title = info["page"]["title"].replace(" ", "_")
    return {
        "$schema": "/mediawiki/revision/create/2.0.0",
        "meta": {
            "stream": "mediawiki.revision-create",
            "domain": "en.wikipedia.org",
            "uri": f"https://en.wikipedia.org/wiki/{title}",
            "request_id": str(uuid.uuid4()),
            "id": str(uuid.uuid4()),
            "dt": info["timestamp"],
        },
        "database": "enwiki",
        "page_id": info["page"]["pageid"],
        "page_title": title,
        "page_namespace": info["page"]["ns"],
        "page_is_redirect": False,
        "performer": {
            "user_text": info["user"],
            "user_id": info["userid"],
            "user_groups": ["*"],
            "user_is_bot": False,
        },
        "rev_id": info["revid"],
        "rev_parent_id": info["parentid"],
        "rev_timestamp": info["timestamp"],
        "rev_len": info["size"],
        "rev_minor_edit": False,
        "rev_content_model": info["contentmodel"],
        "rev_content_format": "text/x-wiki",
        "comment": "",
    }


def page_change_event(info: dict[str, Any]) -> dict[str, Any]:
    title = info["page"]["title"].replace(" ", "_")
    return {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {
            "stream": "mediawiki.page_change.v1",
            "domain": "en.wikipedia.org",
            "uri": f"https://en.wikipedia.org/wiki/{title}",
            "request_id": str(uuid.uuid4()),
            "id": str(uuid.uuid4()),
            "dt": info["timestamp"],
        },
        "wiki_id": "enwiki",
        "page_change_kind": "edit",
        "dt": info["timestamp"],
        "page": {
            "page_id": info["page"]["pageid"],
            "page_title": title,
            "namespace_id": info["page"]["ns"],
            "is_redirect": False,
        },
        "revision": {
            "rev_id": info["revid"],
            "rev_parent_id": info["parentid"],
            "rev_dt": info["timestamp"],
            "rev_size": info["size"],
            "is_minor_edit": False,
            "editor": {"user_text": info["user"], "user_id": info["userid"]},
        },
        "performer": {"user_text": info["user"], "user_id": info["userid"]},
    }


EVENTS = {"revision-create": revision_create_event, "page-change": page_change_event}


@pytest.mark.parametrize("kind", EVENTS)
@pytest.mark.parametrize("name", [DAMAGING, "enwiki-articlequality", "enwiki-drafttopic"])
async def test_an_event_scores_its_revision(
    demo_server: Server,
    seed: dict[str, Any],
    revision_info: Callable[[int], dict[str, Any]],
    kind: str,
    name: str,
) -> None:
    rev_id = seed["revisions"]["good_edit"]
    response = await demo_server.predict(name, {"event": EVENTS[kind](revision_info(rev_id))})
    assert response.status_code == 200, response.text
    assert response.json() == await demo_server.score(name, rev_id)


async def test_an_event_for_a_missing_revision_is_404(
    demo_server: Server, seed: dict[str, Any], revision_info: Callable[[int], dict[str, Any]]
) -> None:
    event = revision_create_event(revision_info(seed["revisions"]["good_edit"]))
    event["rev_id"] = seed["missing_rev_id"]
    response = await demo_server.predict(DAMAGING, {"event": event})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "RevisionNotFound"


@pytest.fixture
async def with_eventgate(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    wiki_url: str,
    recording_eventgate: EventRecorder,
) -> AsyncIterator[Server]:
    async with start_server(
        models_dir=models_dir(DAMAGING, "enwiki-articlequality"),
        wiki_url=wiki_url,
        eventgate_url=recording_eventgate.url,
        eventgate_stream="test.revision-score",
    ) as server:
        yield server


async def drain(server: Server) -> None:
    eventgate = server.models[0].eventgate
    assert eventgate is not None
    await eventgate.drain()


@pytest.mark.parametrize("kind", EVENTS)
async def test_a_revision_score_event_reaches_eventgate(
    with_eventgate: Server,
    recording_eventgate: EventRecorder,
    seed: dict[str, Any],
    revision_info: Callable[[int], dict[str, Any]],
    kind: str,
) -> None:
    rev_id = seed["revisions"]["vandalism"]
    info = revision_info(rev_id)
    source = EVENTS[kind](info)
    response = await with_eventgate.predict(DAMAGING, {"event": source})
    assert response.status_code == 200, response.text
    score = response.json()["enwiki"]["scores"][str(rev_id)]["damaging"]["score"]
    [event] = await recording_eventgate.wait_for(1)
    assert event["$schema"] == "/mediawiki/revision/score/2.0.0"
    assert event["meta"]["stream"] == "test.revision-score"
    assert event["meta"]["domain"] == "en.wikipedia.org"
    assert event["meta"]["uri"] == source["meta"]["uri"]
    assert event["meta"]["request_id"] == source["meta"]["request_id"]
    assert event["meta"]["id"] != source["meta"]["id"]
    assert event["database"] == "enwiki"
    assert event["rev_id"] == rev_id
    assert event["rev_parent_id"] == info["parentid"]
    assert event["page_id"] == info["page"]["pageid"]
    assert event["page_title"] == info["page"]["title"].replace(" ", "_")
    assert event["page_namespace"] == 0
    assert event["scores"] == {
        "damaging": {
            "model_name": "damaging",
            "model_version": DEMO_VERSION,
            "prediction": [str(score["prediction"]).lower()],
            "probability": score["probability"],
        }
    }
    await drain(with_eventgate)
    assert len(recording_eventgate.events) == 1  # one event per scored input event


async def test_no_event_for_plain_requests_nor_for_errors(
    with_eventgate: Server,
    recording_eventgate: EventRecorder,
    seed: dict[str, Any],
    revision_info: Callable[[int], dict[str, Any]],
) -> None:
    await with_eventgate.score(DAMAGING, seed["revisions"]["good_edit"])
    event = revision_create_event(revision_info(seed["revisions"]["good_edit"]))
    event["rev_id"] = seed["missing_rev_id"]
    response = await with_eventgate.predict(DAMAGING, {"event": event})
    assert response.status_code == 404
    await drain(with_eventgate)
    assert recording_eventgate.posts == []


async def test_a_failing_eventgate_never_fails_the_score(
    with_eventgate: Server,
    recording_eventgate: EventRecorder,
    seed: dict[str, Any],
    revision_info: Callable[[int], dict[str, Any]],
) -> None:
    recording_eventgate.status = 500
    rev_id = seed["revisions"]["good_edit"]
    event = revision_create_event(revision_info(rev_id))
    for name in (DAMAGING, "enwiki-articlequality"):
        response = await with_eventgate.predict(name, {"event": event})
        assert response.status_code == 200, response.text
        assert response.json() == await with_eventgate.score(name, rev_id)
    await recording_eventgate.wait_for(2)  # both were posted, and both were refused


async def test_an_unreachable_eventgate_never_fails_the_score(
    start_server: Callable[..., Any],
    models_dir: Callable[..., Path],
    wiki_url: str,
    seed: dict[str, Any],
    revision_info: Callable[[int], dict[str, Any]],
) -> None:
    async with start_server(
        models_dir=models_dir(DAMAGING),
        wiki_url=wiki_url,
        eventgate_url=f"http://127.0.0.1:{free_port()}/v1/events",
    ) as server:
        rev_id = seed["revisions"]["good_edit"]
        for kind in EVENTS:
            response = await server.predict(
                DAMAGING, {"event": EVENTS[kind](revision_info(rev_id))}
            )
            assert response.status_code == 200, response.text
            assert response.json() == await server.score(DAMAGING, rev_id)
        await drain(server)
