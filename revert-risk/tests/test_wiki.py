"""Integration: the server against the embedded MediaWiki (a real MediaWiki 1.39 on
loopback, seeded with vandalism, reverts, good edits, deleted text...), its API calls
counted through a recording proxy; and a MediaWiki that is down."""

from __future__ import annotations

from typing import Any, Callable

import httpx
import pytest

from revert_risk.model import RevertRiskModel
from revert_risk.settings import RevertRiskSettings

from .support import (
    MODEL_NAME,
    PREDICT,
    ApiRecorder,
    EventGateRecorder,
    client_for,
    started,
)


def revisions(embedded_wiki: Any) -> dict[str, int]:
    return embedded_wiki.seed["revisions"]


def page_of(embedded_wiki: Any, rev_id: int) -> str:
    for title, article in embedded_wiki.seed["articles"].items():
        if rev_id in article["revisions"]:
            return title
    raise KeyError(rev_id)


async def predict(client: httpx.AsyncClient, rev_id: int, lang: str = "en") -> httpx.Response:
    return await client.post(PREDICT, json={"lang": lang, "rev_id": rev_id})


async def test_single_revisions(wiki_client: httpx.AsyncClient, embedded_wiki: Any) -> None:
    seeded = revisions(embedded_wiki)
    for role in ("good_edit", "vandalism", "revert", "anon_edit", "bot_edit", "page_creation",
                 "newcomer_edit", "minor_edit", "user_hidden"):  # fmt: skip
        response = await predict(wiki_client, seeded[role])
        assert response.status_code == 200, (role, response.text)
        body = response.json()
        assert body["model_name"] == MODEL_NAME
        assert body["wiki_db"] == "enwiki"
        assert body["revision_id"] == seeded[role]
        probabilities = body["output"]["probabilities"]
        assert probabilities["true"] + probabilities["false"] == pytest.approx(1)
    dutch = await predict(wiki_client, seeded["nl_article"], "nl")
    assert dutch.status_code == 200 and dutch.json()["wiki_db"] == "nlwiki"


async def test_vandalism_scores_higher_than_good_edits(
    wiki_client: httpx.AsyncClient, embedded_wiki: Any
) -> None:
    seeded = revisions(embedded_wiki)

    async def risk(role: str, lang: str = "en") -> float:
        response = await predict(wiki_client, seeded[role], lang)
        return response.json()["output"]["probabilities"]["true"]

    vandalism = await risk("vandalism")
    assert vandalism > 0.5
    for role in ("good_edit", "revert", "bot_edit"):
        assert await risk(role) < vandalism, role
    assert await risk("de_damaging", "de") > await risk("de_article", "de")


@pytest.mark.parametrize(
    ("role", "status", "error_type"),
    [
        ("text_deleted", 410, "TextDeleted"),
        ("text_deleted_revert", 410, "TextDeleted"),  # its parent's text is hidden
        ("deleted_page", 404, "RevisionNotFound"),
        ("item", 422, "UnsupportedContent"),  # a JSON page
    ],
)
async def test_revisions_that_cannot_be_scored(
    wiki_client: httpx.AsyncClient, embedded_wiki: Any, role: str, status: int, error_type: str
) -> None:
    response = await predict(wiki_client, revisions(embedded_wiki)[role])
    assert response.status_code == status, response.text
    assert response.json()["error"]["type"] == error_type


async def test_missing_revision_is_404(wiki_client: httpx.AsyncClient, embedded_wiki: Any) -> None:
    response = await predict(wiki_client, embedded_wiki.seed["missing_rev_id"])
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "RevisionNotFound"


async def test_batch_with_a_missing_revision_uses_few_api_calls(
    wiki_client: httpx.AsyncClient, embedded_wiki: Any, api_recorder: ApiRecorder
) -> None:
    seeded = revisions(embedded_wiki)
    missing = embedded_wiki.seed["missing_rev_id"]
    roles = ["good_edit", "vandalism", "revert", "anon_edit", "page_creation", "bot_edit"]
    ids = [seeded[role] for role in roles]
    instances = [{"lang": "en", "rev_id": rev_id} for rev_id in ids]
    instances.insert(3, {"lang": "en", "rev_id": missing})
    api_recorder.reset()

    response = await wiki_client.post(PREDICT, json={"instances": instances})

    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["revision_id"] for p in body["predictions"]] == ids
    assert body["errors"] == [
        {
            "index": 3,
            "lang": "en",
            "rev_id": missing,
            "error": {
                "type": "RevisionNotFound",
                "message": f"revision {missing} does not exist or was deleted",
            },
        }
    ]
    calls = api_recorder.calls
    revision_calls = api_recorder.revision_calls()
    user_calls = [c for c in calls if c.get("list") == "users"]
    first_revision_calls = [c for c in calls if c.get("rvdir") == "newer"]
    # 1: the 7 requested ids in one call; 2: the parents not in the batch in one call,
    # the registered editors in one call, and one call per page (not for the creation).
    assert len(revision_calls) == 2
    assert sorted(map(int, revision_calls[0]["revids"].split("|"))) == sorted(ids + [missing])
    assert len(user_calls) == 1
    pages = {page_of(embedded_wiki, seeded[r]) for r in roles if r != "page_creation"}
    assert len(first_revision_calls) == len(pages)
    assert len(calls) == 2 + 1 + len(pages)


async def test_batch_items_that_cannot_be_scored(
    wiki_client: httpx.AsyncClient, embedded_wiki: Any
) -> None:
    seeded = revisions(embedded_wiki)
    instances = [
        {"lang": "en", "rev_id": seeded["text_deleted"]},
        {"lang": "en", "rev_id": seeded["good_edit"]},
        {"lang": "en", "rev_id": seeded["deleted_page"]},
        {"lang": "en", "rev_id": seeded["item"]},
        {"lang": "nowiki", "rev_id": seeded["good_edit"]},
    ]
    response = await wiki_client.post(PREDICT, json={"instances": instances})
    assert response.status_code == 200
    body = response.json()
    assert [p["revision_id"] for p in body["predictions"]] == [seeded["good_edit"]]
    assert [(e["index"], e["error"]["type"]) for e in body["errors"]] == [
        (0, "TextDeleted"),
        (2, "RevisionNotFound"),
        (3, "UnsupportedContent"),
        (4, "InvalidInput"),
    ]


@pytest.fixture
async def wiki_events(
    make_settings: Callable[..., RevertRiskSettings],
    api_recorder: ApiRecorder,
    eventgate: EventGateRecorder,
):
    settings = make_settings(wiki_url=api_recorder.base_url, eventgate_url=eventgate.url)
    model = await started(RevertRiskModel(settings))
    async with await client_for(model, settings) as client:
        yield client, model
    await model.resources.shutdown()


async def test_page_change_event_with_eventgate(
    wiki_events: tuple[httpx.AsyncClient, RevertRiskModel],
    eventgate: EventGateRecorder,
    embedded_wiki: Any,
) -> None:
    client, model = wiki_events
    rev_id = revisions(embedded_wiki)["vandalism"]
    article = embedded_wiki.seed["articles"][page_of(embedded_wiki, rev_id)]
    event = {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {"stream": "mediawiki.page_change.v1", "domain": "en.wikipedia.org"},
        "dt": "2019-06-04T14:27:51Z",
        "wiki_id": "enwiki",
        "page_change_kind": "edit",
        "changelog_kind": "update",
        "page": {"page_id": article["page_id"], "page_title": "Honey_bee", "namespace_id": 0},
        "revision": {"rev_id": rev_id, "rev_dt": "2019-06-04T14:27:51Z"},
    }
    response = await client.post(PREDICT, json={"event": event})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["revision_id"] == rev_id and body["wiki_db"] == "enwiki"
    await model._events.drain()  # type: ignore[union-attr]
    [emitted] = eventgate.events
    assert emitted["$schema"] == "/mediawiki/page/prediction_classification_change/1.1.0"
    assert emitted["meta"]["stream"] == RevertRiskSettings.model_fields["eventgate_stream"].default
    assert emitted["page"]["page_id"] == article["page_id"]
    classification = emitted["predicted_classification"]
    assert classification["model_name"] == MODEL_NAME
    assert classification["predictions"] == [str(body["output"]["prediction"]).lower()]
    assert classification["probabilities"] == body["output"]["probabilities"]


async def test_mediawiki_down_is_a_clear_503(settings: RevertRiskSettings) -> None:
    """WIKI_URL points at a closed port (the default of these tests' settings)."""
    model = await started(RevertRiskModel(settings))
    try:
        async with await client_for(model, settings) as client:
            response = await client.post(PREDICT, json={"lang": "en", "rev_id": 12345})
            assert response.status_code == 503
            error = response.json()["error"]
            assert error["type"] == "UpstreamUnavailable"
            assert "en.wikipedia.org" in error["message"] and "unreachable" in error["message"]
            batch = await client.post(
                PREDICT,
                json={"instances": [{"lang": "en", "rev_id": 1}, {"lang": "de", "rev_id": 2}]},
            )
            assert batch.status_code == 503
            assert batch.json()["error"]["type"] == "UpstreamUnavailable"
    finally:
        await model.resources.shutdown()
