"""The shared bad-input tables (inference_testing.harness), sent to this server: each gets
its exact 4xx and JSON error, and the next good request is still answered correctly."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from inference_testing.harness import BAD_BODIES, BAD_IDS, BAD_LANGS, BadBody, assert_error
from revert_risk_tools.synthetic import make_dataset

from .support import PREDICT
from .fakes import FakeWikiClient

GOOD = [e for e in make_dataset(10, seed=99) if e.parent is not None][0]
GOOD_ID = GOOD.revision["revid"]


@pytest.fixture(autouse=True)
def documents(fake_wiki: FakeWikiClient) -> FakeWikiClient:
    return fake_wiki.add(GOOD)


async def still_answers(client: httpx.AsyncClient) -> None:
    response = await client.post(PREDICT, json={"lang": "en", "rev_id": GOOD_ID})
    assert response.status_code == 200, response.text
    assert response.json()["revision_id"] == GOOD_ID


@pytest.mark.parametrize("case", BAD_BODIES, ids=str)
async def test_bad_bodies(client: httpx.AsyncClient, case: BadBody) -> None:
    assert_error(await client.post(PREDICT, content=case.body), case.status, case.error_type)
    await still_answers(client)


@pytest.mark.parametrize(("name", "value"), BAD_IDS, ids=[name for name, _ in BAD_IDS])
async def test_bad_rev_ids(client: httpx.AsyncClient, name: str, value: Any) -> None:
    response = await client.post(PREDICT, json={"lang": "en", "rev_id": value})
    assert_error(response, 400, "InvalidInput")
    await still_answers(client)


@pytest.mark.parametrize(("name", "value"), BAD_LANGS, ids=[name for name, _ in BAD_LANGS])
async def test_langs_never_choose_a_host(
    client: httpx.AsyncClient, fake_wiki: FakeWikiClient, name: str, value: Any
) -> None:
    calls = len(fake_wiki.calls)
    response = await client.post(PREDICT, json={"lang": value, "rev_id": GOOD_ID})
    assert_error(response, 400, "InvalidInput")
    assert len(fake_wiki.calls) == calls  # refused before any upstream call
    await still_answers(client)
