"""The server on documents injected through an in-memory MediaWiki client: response
shapes, batches (per-item errors, API call counts), events, failures, the process pool."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import httpx
import pytest

from revert_risk.model import RevertRiskModel
from revert_risk.settings import RevertRiskSettings
from revert_risk_tools.synthetic import Example, make_dataset

from .support import MODEL_NAME, PREDICT, EventGateRecorder, client_for, started
from .fakes import FakeWikiClient


def creation(example: Example, rev_id: int, page_id: int) -> Example:
    """``example``'s text as the first revision of a new page."""
    page = {**example.revision["page"], "pageid": page_id, "title": f"New {page_id}"}
    revision = {**example.revision, "revid": rev_id, "parentid": 0, "page": page}
    return Example(example.reverted, "create", revision, None, example.user, None)


EXAMPLES = make_dataset(40, seed=4242)
EDITS = [e for e in EXAMPLES if e.parent is not None]
CREATIONS = [creation(EDITS[5], 88_888_001, 88_001)]
REVERTED = [e for e in EDITS if e.reverted]
KEPT = [e for e in EDITS if not e.reverted]
MISSING_REV_ID = 99_999_999


@pytest.fixture(autouse=True)
def documents(fake_wiki: FakeWikiClient) -> FakeWikiClient:
    return fake_wiki.add_all(EXAMPLES + CREATIONS)


def rev_id(example: Example) -> int:
    return example.revision["revid"]


def check_prediction(body: dict[str, Any], wiki_db: str, revision_id: int) -> float:
    assert set(body) == {"model_name", "model_version", "wiki_db", "revision_id", "output"}
    assert body["model_name"] == MODEL_NAME
    assert body["model_version"].startswith("0.1.0+")
    assert body["wiki_db"] == wiki_db
    assert body["revision_id"] == revision_id
    output = body["output"]
    probability = output["probabilities"]["true"]
    assert set(output["probabilities"]) == {"true", "false"}
    assert output["probabilities"]["false"] == pytest.approx(1 - probability)
    assert output["prediction"] is (probability > 0.5)
    return probability


async def test_single_revision(client: httpx.AsyncClient, fake_wiki: FakeWikiClient) -> None:
    response = await client.post(PREDICT, json={"lang": "ru", "rev_id": rev_id(REVERTED[0])})
    assert response.status_code == 200, response.text
    check_prediction(response.json(), "ruwiki", rev_id(REVERTED[0]))
    assert set(fake_wiki.hosts) == {"ru.wikipedia.org"}
    # the revision; then its parent, its user (if registered), its page's first revision
    expected = ["revisions", "revisions", "page_creation"]
    expected += ["users"] if REVERTED[0].user else []
    assert sorted(fake_wiki.kinds()) == sorted(expected)


async def test_reverted_like_scores_higher_than_kept_like(client: httpx.AsyncClient) -> None:
    async def score(example: Example) -> float:
        response = await client.post(PREDICT, json={"lang": "en", "rev_id": rev_id(example)})
        return response.json()["output"]["probabilities"]["true"]

    reverted = [await score(e) for e in REVERTED]
    kept = [await score(e) for e in KEPT]
    assert sum(reverted) / len(reverted) > sum(kept) / len(kept) + 0.4


async def test_curl_form_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PREDICT,
        content=b'{"lang": "en", "rev_id": %d}' % rev_id(KEPT[0]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200


async def test_batch_with_missing_and_invalid_items(
    client: httpx.AsyncClient, fake_wiki: FakeWikiClient
) -> None:
    good = [REVERTED[0], KEPT[0], REVERTED[1], KEPT[1], CREATIONS[0]]
    instances: list[Any] = [{"lang": "en", "rev_id": rev_id(e)} for e in good]
    instances.insert(2, {"lang": "en", "rev_id": MISSING_REV_ID})
    instances.append({"lang": "enwiki", "rev_id": 5})
    response = await client.post(PREDICT, json={"instances": instances})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["revision_id"] for p in body["predictions"]] == [rev_id(e) for e in good]
    for prediction in body["predictions"]:
        check_prediction(prediction, "enwiki", prediction["revision_id"])
    assert body["errors"] == [
        {
            "index": 2,
            "lang": "en",
            "rev_id": MISSING_REV_ID,
            "error": {
                "type": "RevisionNotFound",
                "message": f"revision {MISSING_REV_ID} does not exist or was deleted",
            },
        },
        {
            "index": 6,
            "lang": "enwiki",
            "rev_id": 5,
            "error": {
                "type": "InvalidInput",
                "message": "lang must be a language code such as 'en', not a wiki id ('enwiki')",
            },
        },
    ]
    # One call for the 6 revisions, one for the 4 parents, one for the users, and one per
    # page for its first revision (not for the page creation).
    kinds = fake_wiki.kinds()
    assert kinds.count("revisions") == 2
    assert kinds.count("users") <= 1
    assert kinds.count("page_creation") == 4
    first_call = fake_wiki.calls[0][1]
    assert sorted(first_call["revids"]) == sorted([MISSING_REV_ID] + [rev_id(e) for e in good])


async def test_batch_groups_calls_by_language(
    client: httpx.AsyncClient, fake_wiki: FakeWikiClient
) -> None:
    instances = [{"lang": lang, "rev_id": rev_id(e)} for lang in ("en", "de") for e in EDITS[:3]]
    response = await client.post(PREDICT, json={"instances": instances})
    body = response.json()
    assert [p["wiki_db"] for p in body["predictions"]] == ["enwiki"] * 3 + ["dewiki"] * 3
    revision_hosts = [h for h, (k, _) in zip(fake_wiki.hosts, fake_wiki.calls) if k == "revisions"]
    assert sorted(revision_hosts) == ["de.wikipedia.org"] * 2 + ["en.wikipedia.org"] * 2


async def test_parents_in_the_batch_are_not_fetched_again(
    client: httpx.AsyncClient, fake_wiki: FakeWikiClient
) -> None:
    example = EDITS[0]
    ids = [rev_id(example), example.parent["revid"], rev_id(example)]  # type: ignore[index]
    response = await client.post(
        PREDICT, json={"instances": [{"lang": "en", "rev_id": i} for i in ids]}
    )
    body = response.json()
    assert len(body["predictions"]) == 2
    assert body["predictions"][0] == body["predictions"][1]
    revision_calls = [params for kind, params in fake_wiki.calls if kind == "revisions"]
    # the parent's own parent (not in the batch) is the only one fetched in round two...
    grandparent = example.parent["parentid"]  # type: ignore[index]
    assert [sorted(c["revids"]) for c in revision_calls[1:]] == [[grandparent]]
    # ...and this wiki does not have it, so the parent cannot be scored (the shared policy,
    # ORES's: a missing parent is RevisionNotFound naming the parent).
    [error] = body["errors"]
    assert error["index"] == 1 and error["error"]["type"] == "RevisionNotFound"
    assert f"revision {grandparent}, the parent of" in error["error"]["message"]


async def test_deleted_text_is_410(client: httpx.AsyncClient, fake_wiki: FakeWikiClient) -> None:
    hidden = dict(EDITS[0].revision, texthidden=True, slots={"main": {"texthidden": True}})
    fake_wiki.revisions_by_id[hidden["revid"]] = hidden
    response = await client.post(PREDICT, json={"lang": "en", "rev_id": hidden["revid"]})
    assert response.status_code == 410
    assert response.json()["error"]["type"] == "TextDeleted"
    missing = await client.post(PREDICT, json={"lang": "en", "rev_id": MISSING_REV_ID})
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "RevisionNotFound"
    batch = await client.post(
        PREDICT,
        json={
            "instances": [
                {"lang": "en", "rev_id": hidden["revid"]},
                {"lang": "en", "rev_id": rev_id(EDITS[1])},
            ]
        },
    )
    body = batch.json()
    assert batch.status_code == 200 and len(body["predictions"]) == 1
    assert body["errors"][0]["error"]["type"] == "TextDeleted"
    assert body["errors"][0]["index"] == 0


async def test_deleted_parent_text_is_410(
    client: httpx.AsyncClient, fake_wiki: FakeWikiClient
) -> None:
    example = EDITS[2]
    parent = dict(example.parent or {}, slots={"main": {"texthidden": True}})
    fake_wiki.revisions_by_id[parent["revid"]] = parent
    response = await client.post(PREDICT, json={"lang": "en", "rev_id": rev_id(example)})
    assert response.status_code == 410
    assert "the parent of revision" in response.json()["error"]["message"]
    del fake_wiki.revisions_by_id[parent["revid"]]
    response = await client.post(PREDICT, json={"lang": "en", "rev_id": rev_id(example)})
    # the shared policy (ORES's): a parent that is gone altogether is RevisionNotFound
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "RevisionNotFound"
    assert "the parent of revision" in response.json()["error"]["message"]
    assert "does not exist or was deleted" in response.json()["error"]["message"]


async def test_content_that_is_not_wikitext_is_422(
    client: httpx.AsyncClient, fake_wiki: FakeWikiClient
) -> None:
    css = dict(EDITS[3].revision, slots={"main": {"contentmodel": "css", "content": "a{}"}})
    fake_wiki.revisions_by_id[css["revid"]] = css
    response = await client.post(PREDICT, json={"lang": "en", "rev_id": css["revid"]})
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "UnsupportedContent"


async def test_mediawiki_down_is_503(client: httpx.AsyncClient, fake_wiki: FakeWikiClient) -> None:
    fake_wiki.down = True
    response = await client.post(PREDICT, json={"lang": "en", "rev_id": rev_id(EDITS[0])})
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "UpstreamUnavailable"
    # a batch of which nothing could be scored answers with the failure's status...
    batch = await client.post(
        PREDICT, json={"instances": [{"lang": "en", "rev_id": rev_id(e)} for e in EDITS[:2]]}
    )
    assert batch.status_code == 503
    # ...but a batch whose only failures are the client's answers 200.
    batch = await client.post(PREDICT, json={"instances": [{"lang": "xx", "rev_id": 1}]})
    assert batch.status_code == 200
    assert batch.json()["errors"][0]["error"]["type"] == "InvalidInput"


def page_change_event(example: Example) -> dict[str, Any]:
    revision = example.revision
    return {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {
            "stream": "mediawiki.page_change.v1",
            "domain": "fr.wikipedia.org",
            "uri": "https://fr.wikipedia.org/wiki/X",
            "request_id": "req-1",
        },
        "dt": revision["timestamp"],
        "wiki_id": "frwiki",
        "page_change_kind": "edit",
        "changelog_kind": "update",
        "page": {
            "page_id": revision["page"]["pageid"],
            "page_title": revision["page"]["title"],
            "namespace_id": 0,
            "is_redirect": False,
        },
        "revision": {
            "rev_id": revision["revid"],
            "rev_parent_id": revision["parentid"],
            "rev_dt": revision["timestamp"],
        },
    }


def revision_create_event(example: Example) -> dict[str, Any]:
    revision = example.revision
    return {
        "$schema": "/mediawiki/revision/create/1.1.0",
        "meta": {"stream": "mediawiki.revision-create", "domain": "fr.wikipedia.org"},
        "database": "frwiki",
        "page_id": revision["page"]["pageid"],
        "page_title": revision["page"]["title"],
        "page_namespace": 0,
        "rev_id": revision["revid"],
        "rev_parent_id": revision["parentid"],
        "rev_timestamp": revision["timestamp"],
        "rev_len": revision["size"],
        "performer": {"user_text": "Anon", "user_groups": ["*"], "user_is_bot": False},
    }


@pytest.fixture
async def events_client(
    make_settings: Callable[..., RevertRiskSettings],
    fake_wiki: FakeWikiClient,
    eventgate: EventGateRecorder,
):
    settings = make_settings(eventgate_url=eventgate.url, eventgate_stream="test.stream")
    model = await started(RevertRiskModel(settings, client=fake_wiki))
    async with await client_for(model, settings) as client:
        yield client, model
    await model.resources.shutdown()


async def test_page_change_event_emits_a_prediction_event(
    events_client: tuple[httpx.AsyncClient, RevertRiskModel], eventgate: EventGateRecorder
) -> None:
    client, model = events_client
    example = REVERTED[2]
    response = await client.post(PREDICT, json={"event": page_change_event(example)})
    assert response.status_code == 200, response.text
    probability = check_prediction(response.json(), "frwiki", rev_id(example))
    await model._events.drain()  # type: ignore[union-attr]
    [event] = eventgate.events
    assert event["$schema"] == "/mediawiki/page/prediction_classification_change/1.1.0"
    assert event["meta"]["stream"] == "test.stream"
    assert event["meta"]["domain"] == "fr.wikipedia.org"
    assert event["wiki_id"] == "frwiki"
    assert event["page"]["page_id"] == example.revision["page"]["pageid"]
    assert event["revision"]["rev_id"] == rev_id(example)
    assert event["predicted_classification"] == {
        "model_name": MODEL_NAME,
        "model_version": response.json()["model_version"],
        "predictions": [str(probability > 0.5).lower()],
        "probabilities": {"true": probability, "false": 1 - probability},
    }


async def test_revision_create_event_is_restated_as_page_change(
    events_client: tuple[httpx.AsyncClient, RevertRiskModel], eventgate: EventGateRecorder
) -> None:
    client, model = events_client
    example = KEPT[2]
    response = await client.post(PREDICT, json={"event": revision_create_event(example)})
    assert response.status_code == 200, response.text
    await model._events.drain()  # type: ignore[union-attr]
    [event] = eventgate.events
    assert event["wiki_id"] == "frwiki"
    assert event["page_change_kind"] == "edit"
    assert event["page"] == {
        "page_id": example.revision["page"]["pageid"],
        "page_title": example.revision["page"]["title"],
        "namespace_id": 0,
    }
    assert event["revision"]["rev_id"] == rev_id(example)
    assert event["revision"]["rev_size"] == example.revision["size"]
    assert event["performer"] == {"user_text": "Anon", "groups": ["*"], "is_bot": False}
    assert "database" not in event


async def test_failing_eventgate_never_fails_the_response(
    events_client: tuple[httpx.AsyncClient, RevertRiskModel], eventgate: EventGateRecorder
) -> None:
    client, model = events_client
    eventgate.status = 500
    response = await client.post(PREDICT, json={"event": page_change_event(KEPT[3])})
    assert response.status_code == 200
    await model._events.drain()  # type: ignore[union-attr]
    assert len(eventgate.events) == 1  # it was tried


async def test_event_for_a_missing_revision_emits_nothing(
    events_client: tuple[httpx.AsyncClient, RevertRiskModel], eventgate: EventGateRecorder
) -> None:
    client, model = events_client
    event = page_change_event(KEPT[0])
    event["revision"]["rev_id"] = MISSING_REV_ID
    response = await client.post(PREDICT, json={"event": event})
    assert response.status_code == 404
    await model._events.drain()  # type: ignore[union-attr]
    assert eventgate.events == []


async def test_process_pool_gives_the_same_scores(
    make_settings: Callable[..., RevertRiskSettings],
    client: httpx.AsyncClient,
    fake_wiki: FakeWikiClient,
) -> None:
    settings = make_settings(process_pool_workers=2)
    model = await started(RevertRiskModel(settings, client=fake_wiki))
    try:
        instances = {"instances": [{"lang": "en", "rev_id": rev_id(e)} for e in EDITS[:8]]}
        async with await client_for(model, settings) as pooled:
            with_pool, without = await asyncio.gather(
                pooled.post(PREDICT, json=instances), client.post(PREDICT, json=instances)
            )
        assert with_pool.json() == without.json()
        assert len(model._pool.worker_pids()) == 2  # type: ignore[union-attr]
    finally:
        await model.resources.shutdown()


async def test_an_event_fetches_parent_and_editor_in_the_first_round(
    client: httpx.AsyncClient, fake_wiki: FakeWikiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event names the parent and the editor: they are asked for with the revision,
    not after it (one round of MediaWiki calls instead of two, but for the page's age)."""
    example = next(e for e in EDITS if e.user is not None)
    event = page_change_event(example)
    event["revision"]["editor"] = {
        "user_text": example.revision["user"],
        "user_id": example.revision["userid"],
    }
    answered: list[int] = []
    # each call's ids and how many calls had been answered when it was made
    rounds: list[tuple[str, int]] = []
    original = fake_wiki.call

    async def call(endpoint: Any, params: Any) -> Any:
        kind = "users" if params.get("list") == "users" else "pages" if "pageids" in params else ""
        rounds.append((kind or "revisions", len(answered)))
        await asyncio.sleep(0.01)
        try:
            return await original(endpoint, params)
        finally:
            answered.append(1)

    monkeypatch.setattr(fake_wiki, "call", call)
    response = await client.post(PREDICT, json={"event": event})
    assert response.status_code == 200, response.text
    first_round = sorted(kind for kind, r in rounds if r == 0)
    assert first_round == ["revisions", "revisions", "users"]
    by_id = await client.post(PREDICT, json={"lang": "fr", "rev_id": rev_id(example)})
    assert response.json()["output"] == by_id.json()["output"]
