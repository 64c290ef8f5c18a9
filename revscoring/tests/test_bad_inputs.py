"""The shared bad-input tables (inference_testing.harness), sent to :predict and to the
ORES API under every Content-Type (and as CloudEvents): each gets its exact 4xx and JSON
error (ORES scores: never a 5xx, since its parameters may also come from a form), and the
next good request is still answered correctly."""

from __future__ import annotations

from typing import Any

import pytest

from inference_testing.harness import (
    BAD_BODIES,
    BAD_IDS,
    CONTENT_TYPES,
    BadBody,
    ContentType,
    assert_error,
    assert_no_server_error,
)

PREDICT = "/v1/models/enwiki-damaging:predict"


async def still_answers(server: Any, rev_id: int) -> None:
    body = await server.score("enwiki-damaging", rev_id)
    assert list(body["enwiki"]["scores"]) == [str(rev_id)]


@pytest.mark.parametrize("content_type", CONTENT_TYPES, ids=str)
@pytest.mark.parametrize("case", BAD_BODIES, ids=str)
async def test_bad_bodies(
    demo_server: Any, seed: dict, case: BadBody, content_type: ContentType
) -> None:
    headers = content_type.headers
    response = await demo_server.client.post(PREDICT, content=case.body, headers=headers)
    assert_error(response, case.status, case.error_type)
    response = await demo_server.client.post("/v3/precache", content=case.body, headers=headers)
    assert_error(response, case.status, case.error_type)
    response = await demo_server.client.post(
        "/v3/scores/enwiki/", content=case.body, headers=headers
    )
    assert_no_server_error(response)
    await still_answers(demo_server, seed["revisions"]["good_edit"])


@pytest.mark.parametrize(("name", "value"), BAD_IDS, ids=[name for name, _ in BAD_IDS])
async def test_bad_rev_ids(demo_server: Any, seed: dict, name: str, value: Any) -> None:
    response = await demo_server.client.post(PREDICT, json={"rev_id": value})
    assert_error(response, 400, "InvalidInput")
    await still_answers(demo_server, seed["revisions"]["good_edit"])


@pytest.mark.parametrize(
    "revids", ["-1", "1.5", "abc", "1|x", "", "|", "²", "1" * 40, "|".join(["1"] * 51)]
)
async def test_bad_ores_revids(demo_server: Any, seed: dict, revids: str) -> None:
    response = await demo_server.client.get("/v3/scores/enwiki/", params={"revids": revids})
    assert_error(response, 400, "InvalidInput")
    await still_answers(demo_server, seed["revisions"]["good_edit"])
