"""The shared bad-input tables (inference_testing.harness), sent to this server (bodies
under every Content-Type and as CloudEvents): each gets its exact 4xx and JSON error, and
the next good request is still answered correctly."""

from __future__ import annotations

from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest

from inference_common.app import build_app
from inference_testing.harness import (
    BAD_BODIES,
    BAD_IDS,
    BAD_LANGS,
    CONTENT_TYPES,
    BadBody,
    ContentType,
    ServerProcess,
    assert_error,
    bad_body_failures,
    free_port,
    model_post_routes,
    serving,
    table_answer,
    unimplemented_answer,
)
from revert_risk.model import RevertRiskModel
from revert_risk.settings import RevertRiskSettings
from revert_risk_tools.synthetic import make_dataset

from .support import MODEL_NAME, PREDICT, SERVICE_DIR
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


@pytest.fixture(scope="module")
async def one_server(model_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """One server for the whole body table (hundreds of requests)."""
    settings = RevertRiskSettings(
        model_path=model_path, wiki_url=f"http://127.0.0.1:{free_port()}", http_retries=0
    )
    model = RevertRiskModel(settings, client=FakeWikiClient().add(GOOD))
    model.load()
    await model.resources.startup()
    try:
        transport = httpx.ASGITransport(app=build_app([model], settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await model.resources.shutdown()


@pytest.mark.parametrize("content_type", CONTENT_TYPES, ids=str)
@pytest.mark.parametrize("case", BAD_BODIES, ids=str)
async def test_bad_bodies(
    one_server: httpx.AsyncClient, case: BadBody, content_type: ContentType
) -> None:
    response = await one_server.post(PREDICT, content=case.body, headers=content_type.headers)
    assert_error(response, case.status, case.error_type)
    await still_answers(one_server)


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


# -- the same table over a real socket, to every POST route ------------------------------


@pytest.fixture(scope="module")
def real_server(model_path: Path, embedded_wiki: Any) -> Iterator[ServerProcess]:
    """``python -m revert_risk`` as production starts it, on a loopback port."""
    with serving(
        "revert_risk",
        SERVICE_DIR,
        ready_path=f"/v1/models/{MODEL_NAME}",
        model_path=model_path,
        wiki_url=embedded_wiki.base_url,
        http_retries=0,
        log_level="WARNING",
    ) as running:
        yield running


ROUTES = {
    PREDICT: table_answer,
    f"/v1/models/{MODEL_NAME}:explain": unimplemented_answer,  # no explainer
    f"/v2/models/{MODEL_NAME}/infer": table_answer,
}


def test_every_post_route_is_in_the_table() -> None:
    assert set(model_post_routes(MODEL_NAME)) == set(ROUTES)


@pytest.mark.parametrize("path", ROUTES)
def test_bad_bodies_over_a_real_socket(
    real_server: ServerProcess, embedded_wiki: Any, path: str
) -> None:
    failures = bad_body_failures(real_server.url, path, ROUTES[path])
    assert not failures, "\n".join(failures)
    rev_id = embedded_wiki.seed["revisions"]["good_edit"]
    good = {"lang": "en", "rev_id": rev_id}
    response = httpx.post(real_server.url + PREDICT, json=good, timeout=60)
    assert response.status_code == 200 and response.json()["revision_id"] == rev_id
