"""The shared bad-input tables (inference_testing.harness), sent to the transformer (in
front of a real predictor process, on the embedded wiki) and to the predictor: each gets
its exact 4xx and JSON error, and the next good request is still answered correctly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from inference_testing.harness import (
    BAD_BODIES,
    BAD_IDS,
    BAD_LANGS,
    BAD_TITLES,
    BadBody,
    assert_error,
)

from .support import PREDICT

GOOD = {"lang": "en", "page_title": "Wings of Fire (novel series)"}


async def still_answers(client: httpx.AsyncClient) -> None:
    response = await client.post(PREDICT, json=GOOD)
    assert response.status_code == 200, response.text
    assert response.json()["prediction"]["results"]


@pytest.mark.parametrize("case", BAD_BODIES, ids=str)
async def test_bad_bodies(transformer_client: httpx.AsyncClient, case: BadBody) -> None:
    response = await transformer_client.post(PREDICT, content=case.body)
    assert_error(response, case.status, case.error_type)
    await still_answers(transformer_client)


@pytest.mark.parametrize("case", BAD_BODIES, ids=str)
async def test_bad_bodies_to_the_predictor(
    predictor_client: httpx.AsyncClient, case: BadBody
) -> None:
    response = await predictor_client.post(PREDICT, content=case.body)
    assert_error(response, case.status, case.error_type)


@pytest.mark.parametrize(("name", "value"), BAD_IDS, ids=[name for name, _ in BAD_IDS])
async def test_bad_page_ids(transformer_client: httpx.AsyncClient, name: str, value: Any) -> None:
    response = await transformer_client.post(PREDICT, json={"lang": "en", "page_id": value})
    assert_error(response, 400, "InvalidInput")
    await still_answers(transformer_client)


@pytest.mark.parametrize(("name", "value"), BAD_LANGS, ids=[name for name, _ in BAD_LANGS])
async def test_bad_langs(transformer_client: httpx.AsyncClient, name: str, value: Any) -> None:
    response = await transformer_client.post(PREDICT, json={**GOOD, "lang": value})
    assert_error(response, 400, "InvalidInput")
    await still_answers(transformer_client)


@pytest.mark.parametrize(("name", "value"), BAD_TITLES, ids=[name for name, _ in BAD_TITLES])
async def test_bad_titles(transformer_client: httpx.AsyncClient, name: str, value: Any) -> None:
    response = await transformer_client.post(PREDICT, json={**GOOD, "page_title": value})
    assert_error(response, 400, "InvalidInput")
    await still_answers(transformer_client)
