"""Errors: a JSON body with the exact status and type, and the server answers the next
good request. MediaWiki failures (unreachable, 500s, garbage, slowness) end in bounded
time with 502/503/504 and the server recovers when MediaWiki does."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx
import pytest
from .support import Server, WikiProxy, free_port

DAMAGING = "enwiki-damaging"


def assert_error(response: httpx.Response, status: int, error_type: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert body["error"]["type"] == error_type
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


async def assert_still_up(server: Server, seed: dict[str, Any], name: str = DAMAGING) -> None:
    rev_id = seed["revisions"]["good_edit"]
    response = await server.predict(name, {"rev_id": rev_id})
    assert response.status_code == 200, response.text
    wiki, kind = name.rsplit("-", 1)
    assert "score" in response.json()[wiki]["scores"][str(rev_id)][kind]


BAD_BODIES = {
    "missing rev_id": {},
    "rev_id null": {"rev_id": None},
    "string rev_id": {"rev_id": "12"},
    "float rev_id": {"rev_id": 12.0},
    "boolean rev_id": {"rev_id": True},
    "negative rev_id": {"rev_id": -5},
    "zero rev_id": {"rev_id": 0},
    "absurd rev_id": {"rev_id": 10**30},
    "list rev_id": {"rev_id": [12]},
    "object rev_id": {"rev_id": {"id": 12}},
    "extended_output not a boolean": {"rev_id": 12, "extended_output": "yes"},
    "bad JSON": b'{"rev_id": ',
    "JSON array": b"[1, 2]",
    "JSON string": b'"12"',
    "empty body": b"",
    "not UTF-8": b'{"rev_id": "\xff"}',
    "event not an object": {"event": [1]},
    "unsupported event schema": {
        "event": {
            "$schema": "/mediawiki/page/delete/1.0.0",
            "meta": {"domain": "en.wikipedia.org", "stream": "mediawiki.page-delete"},
            "database": "enwiki",
            "page_id": 5,
        }
    },
    "event without schema": {"event": {"meta": {"domain": "en.wikipedia.org"}, "rev_id": 5}},
    "event with a string rev_id": {
        "event": {
            "$schema": "/mediawiki/revision/create/2.0.0",
            "meta": {"domain": "en.wikipedia.org"},
            "database": "enwiki",
            "rev_id": "5",
        }
    },
    "event of another wiki": {
        "event": {
            "$schema": "/mediawiki/revision/create/2.0.0",
            "meta": {"domain": "de.wikipedia.org"},
            "database": "dewiki",
            "rev_id": 5,
        }
    },
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_bad_input_is_400_and_the_server_stays_up(
    demo_server: Server, seed: dict[str, Any], body: Any
) -> None:
    assert_error(await demo_server.predict(DAMAGING, body), 400, "InvalidInput")
    await assert_still_up(demo_server, seed)


async def test_curl_style_form_content_type_is_decoded_as_json(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    rev_id = seed["revisions"]["good_edit"]
    response = await demo_server.client.post(
        f"/v1/models/{DAMAGING}:predict",
        content=f'{{"rev_id": {rev_id}}}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert str(rev_id) in response.json()["enwiki"]["scores"]


@pytest.mark.parametrize(
    "name, role, status, error_type",
    [
        (DAMAGING, "missing", 404, "RevisionNotFound"),
        ("enwiki-articlequality", "missing", 404, "RevisionNotFound"),
        (DAMAGING, "deleted_page", 404, "RevisionNotFound"),
        (DAMAGING, "text_deleted", 410, "TextDeleted"),
        ("enwiki-articlequality", "text_deleted", 410, "TextDeleted"),
        # its parent's text is hidden, and the edit models read the parent
        (DAMAGING, "text_deleted_revert", 410, "TextDeleted"),
        (DAMAGING, "user_hidden", 410, "UserDeleted"),
        ("wikidatawiki-itemquality", "good_edit", 422, "UnsupportedContent"),
        ("wikidatawiki-itemtopic", "page_creation", 422, "UnsupportedContent"),
        ("enwiki-articlequality", "item", 422, "UnsupportedContent"),
        (DAMAGING, "item", 422, "UnsupportedContent"),
    ],
)
async def test_revisions_that_cannot_be_scored(
    demo_server: Server,
    seed: dict[str, Any],
    name: str,
    role: str,
    status: int,
    error_type: str,
) -> None:
    rev_id = seed["missing_rev_id"] if role == "missing" else seed["revisions"][role]
    if role == "deleted_page":
        rev_id = seed["pages"]["deleted"]["rev_ids"][0]
    error = assert_error(await demo_server.predict(name, {"rev_id": rev_id}), status, error_type)
    assert str(rev_id) in error["message"]
    await assert_still_up(demo_server, seed)


async def test_text_models_do_not_need_the_hidden_parent_or_user(
    demo_server: Server, seed: dict[str, Any]
) -> None:
    """articlequality reads the revision's own text only: a revert of a hidden revision
    and an edit by a hidden user are scorable (the edit models refuse them, above)."""
    for role in ("text_deleted_revert", "user_hidden"):
        await demo_server.score("enwiki-articlequality", seed["revisions"][role])


# -- MediaWiki failures ----------------------------------------------------------------------


async def test_mediawiki_unreachable_is_503_in_bounded_time(
    start_server: Callable[..., Any], models_dir: Callable[..., Path], seed: dict[str, Any]
) -> None:
    async with start_server(
        models_dir=models_dir(DAMAGING),
        wiki_url=f"http://127.0.0.1:{free_port()}",
        http_retries=2,
        http_connect_timeout=2,
    ) as server:
        for _ in range(2):
            started = time.monotonic()
            response = await asyncio.wait_for(
                server.predict(DAMAGING, {"rev_id": seed["revisions"]["good_edit"]}), 30
            )
            assert_error(response, 503, "UpstreamUnavailable")
            assert time.monotonic() - started < 20
        response = await server.client.get(f"/v1/models/{DAMAGING}")
        assert response.status_code == 200


@pytest.fixture(scope="module")
async def proxied(
    start_server: Callable[..., Any], models_dir: Callable[..., Path], wiki_proxy: WikiProxy
) -> AsyncIterator[Server]:
    """A server on the fault-injecting proxy: one retry, 1.5 s per call, no score cache
    (every request reaches MediaWiki)."""
    async with start_server(
        models_dir=models_dir(DAMAGING, "enwiki-articlequality"),
        wiki_url=wiki_proxy.url,
        http_retries=1,
        http_timeout=1.5,
        score_cache_size=0,
    ) as server:
        yield server


@pytest.mark.parametrize(
    "mode, status, error_type, calls",
    [
        ("500", 502, "UpstreamError", 2),  # retried once, then given up
        ("malformed", 502, "UpstreamError", 1),  # garbage is not retried
        ("slow", 504, "UpstreamTimeout", 2),  # each call times out, retried once
    ],
)
async def test_a_failing_mediawiki_gives_bounded_errors_then_recovery(
    proxied: Server,
    wiki_proxy: WikiProxy,
    demo_server: Server,
    seed: dict[str, Any],
    mode: str,
    status: int,
    error_type: str,
    calls: int,
) -> None:
    rev_id = seed["revisions"]["good_edit"]
    wiki_proxy.reset(mode)
    wiki_proxy.slow_seconds = 3
    # an edit model (three kinds of calls) and a text model (one); the slow case only
    # with one of them, as each attempt waits for the whole HTTP_TIMEOUT
    names = [DAMAGING] if mode == "slow" else [DAMAGING, "enwiki-articlequality"]
    try:
        for name in names:
            wiki_proxy.calls.clear()
            started = time.monotonic()
            response = await asyncio.wait_for(proxied.predict(name, {"rev_id": rev_id}), 30)
            assert_error(response, status, error_type)
            assert time.monotonic() - started < 15
            assert len(wiki_proxy.calls) == calls
    finally:
        wiki_proxy.reset("pass")
    for name in (DAMAGING, "enwiki-articlequality"):
        recovered = await proxied.score(name, rev_id)
        assert recovered == await demo_server.score(name, rev_id)
