"""Input validation, table-driven: the parser, and the same cases through HTTP (400s)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from inference_common.errors import InvalidInput
from revert_risk.request import Item, ItemError, parse_request

from .support import PREDICT

PAGE_CHANGE = {
    "$schema": "/mediawiki/page/change/1.1.0",
    "meta": {"stream": "mediawiki.page_change.v1", "domain": "ru.wikipedia.org"},
    "wiki_id": "ruwiki",
    "page": {"page_id": 5, "page_title": "X", "namespace_id": 0},
    "revision": {"rev_id": 123, "rev_parent_id": 122},
}

INVALID: list[tuple[str, Any, str]] = [
    ("no fields", {}, "missing field 'lang'"),
    ("no rev_id", {"lang": "en"}, "missing field 'rev_id'"),
    ("no lang", {"rev_id": 1}, "missing field 'lang'"),
    ("unknown language", {"lang": "xx", "rev_id": 1}, "not a Wikipedia language code"),
    ("wiki id instead of lang", {"lang": "enwiki", "rev_id": 1}, "not a wiki id"),
    ("host instead of lang", {"lang": "en.wikipedia.org", "rev_id": 1}, "not a Wikipedia"),
    ("lang not a string", {"lang": 5, "rev_id": 1}, "lang must be a string"),
    ("empty lang", {"lang": " ", "rev_id": 1}, "must not be empty"),
    ("rev_id string", {"lang": "en", "rev_id": "1"}, "rev_id must be an integer"),
    ("rev_id float", {"lang": "en", "rev_id": 1.5}, "rev_id must be an integer"),
    ("rev_id boolean", {"lang": "en", "rev_id": True}, "rev_id must be an integer"),
    ("rev_id zero", {"lang": "en", "rev_id": 0}, "between 1 and"),
    ("rev_id negative", {"lang": "en", "rev_id": -3}, "between 1 and"),
    ("rev_id huge", {"lang": "en", "rev_id": 10**15}, "between 1 and"),
    ("empty instances", {"instances": []}, "must not be empty"),
    ("instances not a list", {"instances": {"lang": "en"}}, "instances"),
    ("too many instances", {"instances": [{"lang": "en", "rev_id": 1}] * 21}, "at most 20"),
    ("two shapes", {"lang": "en", "rev_id": 1, "instances": []}, "not several"),
    ("event not an object", {"event": "x"}, "event must be a JSON object"),
    ("event without schema", {"event": {"meta": {}}}, "no '$schema'"),
    ("event of another schema", {"event": {"$schema": "/other/1.0.0", "meta": {}}}, "unsupported"),
    (
        "event of a non-Wikipedia",
        {"event": {**PAGE_CHANGE, "meta": {"domain": "www.wikidata.org"}}},
        "not a Wikipedia",
    ),
    (
        "event without rev_id",
        {"event": {**PAGE_CHANGE, "revision": {}}},
        "revision.rev_id must be a positive integer",
    ),
]


@pytest.mark.parametrize(("case", "body", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_parser_refuses(case: str, body: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_request(body, max_batch_size=20)
    assert message in raised.value.message


@pytest.mark.parametrize(("case", "body", "message"), INVALID, ids=[c[0] for c in INVALID])
async def test_http_400(client: httpx.AsyncClient, case: str, body: Any, message: str) -> None:
    response = await client.post(PREDICT, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "InvalidInput"
    assert message in error["message"]


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[1, 2]", b'"text"', b"\xff\xfe"],
    ids=["empty", "broken JSON", "array", "string", "not UTF-8"],
)
async def test_bodies_that_are_not_json_objects(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(PREDICT, content=body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "InvalidInput"


def test_shapes() -> None:
    single = parse_request({"lang": "ru", "rev_id": 123}, max_batch_size=20)
    assert single.kind == "single" and single.items == (Item(0, "ru", 123),)
    event = parse_request({"event": PAGE_CHANGE}, max_batch_size=20)
    assert event.kind == "event" and event.items == (Item(0, "ru", 123),)
    assert event.event is not None and event.event.wiki_id == "ruwiki"
    batch = parse_request({"instances": [{"lang": "zh-min-nan", "rev_id": 9}]}, max_batch_size=1)
    assert batch.kind == "batch" and batch.items == (Item(0, "zh-min-nan", 9),)


def test_a_bad_batch_item_is_that_items_error() -> None:
    parsed = parse_request(
        {"instances": [{"lang": "en", "rev_id": 1}, {"lang": "enwiki", "rev_id": 2}, [3], {}]},
        max_batch_size=20,
    )
    good, wiki_id, array, empty = parsed.items
    assert good == Item(0, "en", 1)
    assert isinstance(wiki_id, ItemError) and (wiki_id.index, wiki_id.lang, wiki_id.rev_id) == (
        1,
        "enwiki",
        2,
    )
    assert "not a wiki id" in wiki_id.error.message
    assert (
        isinstance(array, ItemError) and "instances[2] must be a JSON object" in array.error.message
    )
    assert isinstance(empty, ItemError) and empty.error.message == "missing field 'lang'"
