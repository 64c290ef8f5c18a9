"""The shared bad-input tables (inference_testing.harness), sent to :predict and to the
ORES API under every Content-Type (and as CloudEvents): each gets its exact 4xx and JSON
error (ORES scores: never a 5xx, since its parameters may also come from a form), and the
next good request is still answered correctly."""

from __future__ import annotations

from typing import Any, Iterator

import httpx
import pytest

from inference_testing.harness import (
    BAD_BODIES,
    BAD_IDS,
    CONTENT_TYPES,
    BadBody,
    ContentType,
    ServerProcess,
    assert_error,
    assert_no_server_error,
    bad_body_failures,
    model_post_routes,
    serving,
    table_answer,
    unimplemented_answer,
)

from .support import SERVICE_DIR

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


# -- the same table over a real socket, to every POST route ------------------------------


@pytest.fixture(scope="module")
def real_server(models_dir: Any, wiki_url: str) -> Iterator[ServerProcess]:
    """``python -m revscoring_server`` as production starts it, on a loopback port."""
    with serving(
        "revscoring_server",
        SERVICE_DIR,
        ready_path="/v1/models/enwiki-damaging",
        models_dir=models_dir("enwiki-damaging"),
        wiki_url=wiki_url,
        log_level="WARNING",
    ) as running:
        yield running


ROUTES = {
    PREDICT: table_answer,
    "/v1/models/enwiki-damaging:explain": unimplemented_answer,  # no explainer
    "/v2/models/enwiki-damaging/infer": table_answer,
    "/v3/precache": table_answer,
    # ORES parameters may come from a form: no 5xx, JSON errors
    "/v3/scores/enwiki/": None,
    "/v3/scores/enwiki/1/": None,
    "/v3/scores/enwiki/1/damaging/": None,
}


def test_every_post_route_is_in_the_table() -> None:
    assert set(model_post_routes("enwiki-damaging")) <= set(ROUTES)


@pytest.mark.parametrize("path", ROUTES)
def test_bad_bodies_over_a_real_socket(real_server: ServerProcess, seed: dict, path: str) -> None:
    failures = bad_body_failures(real_server.url, path, ROUTES[path])
    assert not failures, "\n".join(failures)
    rev_id = seed["revisions"]["good_edit"]
    response = httpx.post(f"{real_server.url}{PREDICT}", json={"rev_id": rev_id}, timeout=60)
    assert response.status_code == 200 and str(rev_id) in response.json()["enwiki"]["scores"]
