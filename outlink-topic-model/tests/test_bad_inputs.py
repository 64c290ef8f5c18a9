"""The shared bad-input tables (inference_testing.harness), sent to the transformer (in
front of a real predictor process, on the embedded wiki) and to the predictor, bodies under
every Content-Type and as CloudEvents: each gets its exact 4xx and JSON error, and the next
good request is still answered correctly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest

from inference_testing.harness import (
    BAD_BODIES,
    BAD_IDS,
    BAD_LANGS,
    BAD_TITLES,
    CONTENT_TYPES,
    BadBody,
    ContentType,
    ServerProcess,
    assert_error,
    bad_body_failures,
    model_post_routes,
    serving,
    table_answer,
    unimplemented_answer,
)
from outlink_transformer.model import OutlinkTransformer
from outlink_transformer.settings import TransformerSettings

from .support import NAME, PREDICT, SERVICE_DIR, asgi_client

GOOD = {"lang": "en", "page_title": "Wings of Fire (novel series)"}
HUGE = int("9" * 400)  # float(HUGE) raises OverflowError


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


# The shared bodies, and what only these servers read (title, threshold).
TRANSFORMER_BODIES = BAD_BODIES + (
    BadBody(
        "lone surrogate title", rb'{"lang": "en", "page_title": "\ud800"}', 400, "InvalidInput"
    ),
    BadBody("400-digit threshold", _json({**GOOD, "threshold": HUGE}), 400, "InvalidInput"),
    BadBody("NaN threshold", _json({**GOOD, "threshold": float("nan")}), 400, "InvalidInput"),
)
PREDICTOR_BODIES = BAD_BODIES + (
    BadBody(
        "400-digit threshold", _json({"features_str": "Q1", "threshold": HUGE}), 400, "InvalidInput"
    ),
    BadBody(
        "-400-digit threshold",
        _json({"features_str": "Q1", "threshold": -HUGE}),
        400,
        "InvalidInput",
    ),
    BadBody("lone surrogate features", rb'{"features_str": "Q1 \udc00"}', 400, "InvalidInput"),
)


@pytest.fixture(scope="module")
async def one_transformer(
    predictor_server: Any, embedded_wiki: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """One transformer for the whole body table (hundreds of requests)."""
    settings = TransformerSettings(
        inference_name=NAME, predictor_host=predictor_server.host, wiki_url=embedded_wiki.base_url
    )
    async for client in asgi_client([OutlinkTransformer(settings)], settings):
        yield client


@pytest.fixture(scope="module")
async def one_predictor(predictor_model, predictor_settings) -> AsyncIterator[httpx.AsyncClient]:
    async for client in asgi_client([predictor_model], predictor_settings):
        yield client


async def still_answers(client: httpx.AsyncClient) -> None:
    response = await client.post(PREDICT, json=GOOD)
    assert response.status_code == 200, response.text
    assert response.json()["prediction"]["results"]


@pytest.mark.parametrize("content_type", CONTENT_TYPES, ids=str)
@pytest.mark.parametrize("case", TRANSFORMER_BODIES, ids=str)
async def test_bad_bodies(
    one_transformer: httpx.AsyncClient, case: BadBody, content_type: ContentType
) -> None:
    response = await one_transformer.post(PREDICT, content=case.body, headers=content_type.headers)
    assert_error(response, case.status, case.error_type)
    await still_answers(one_transformer)


@pytest.mark.parametrize("content_type", CONTENT_TYPES, ids=str)
@pytest.mark.parametrize("case", PREDICTOR_BODIES, ids=str)
async def test_bad_bodies_to_the_predictor(
    one_predictor: httpx.AsyncClient, case: BadBody, content_type: ContentType
) -> None:
    response = await one_predictor.post(PREDICT, content=case.body, headers=content_type.headers)
    assert_error(response, case.status, case.error_type)
    good = await one_predictor.post(PREDICT, json={"features_str": "Q1 Q2"})
    assert good.status_code == 200, good.text


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


# -- the same tables over a real socket, to every POST route of every server ---------------


@pytest.fixture(scope="module")
def transformer_process(predictor_server: Any, embedded_wiki: Any) -> Iterator[ServerProcess]:
    """``python -m outlink_transformer`` as production starts it, in front of the real
    predictor process."""
    with serving(
        "outlink_transformer",
        SERVICE_DIR / "transformer",
        ready_path=f"/v1/models/{NAME}",
        inference_name=NAME,
        predictor_host=predictor_server.host,
        wiki_url=embedded_wiki.base_url,
        log_level="WARNING",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def one_process(model_path: Path, embedded_wiki: Any) -> Iterator[ServerProcess]:
    """``python -m outlink_one_process``: the transformer and the predictor in one."""
    with serving(
        "outlink_one_process",
        SERVICE_DIR / "one-process",
        ready_path=f"/v1/models/{NAME}",
        inference_name=NAME,
        model_path=model_path,
        wiki_url=embedded_wiki.base_url,
        log_level="WARNING",
    ) as running:
        yield running


def route_answers(bodies: tuple[BadBody, ...]) -> list[tuple[str, Any, tuple[BadBody, ...]]]:
    """Every POST route of a server: (path, answer, bodies)."""
    predict, explain, infer = model_post_routes(NAME)
    return [
        (predict, table_answer, bodies),
        (explain, unimplemented_answer, BAD_BODIES),  # no explainer
        (infer, table_answer, BAD_BODIES),
    ]


@pytest.mark.parametrize("server", ["transformer", "one process", "predictor"])
def test_bad_bodies_over_a_real_socket(
    request: pytest.FixtureRequest, predictor_server: Any, server: str
) -> None:
    if server == "predictor":
        url, bodies, good = predictor_server.url, PREDICTOR_BODIES, {"features_str": "Q1 Q2"}
    else:
        fixture = "transformer_process" if server == "transformer" else "one_process"
        url, bodies, good = request.getfixturevalue(fixture).url, TRANSFORMER_BODIES, GOOD
    failures = [
        failure
        for path, answer, table in route_answers(bodies)
        for failure in bad_body_failures(url, path, answer, table)
    ]
    assert not failures, "\n".join(failures)
    response = httpx.post(url + PREDICT, json=good, timeout=60)
    assert response.status_code == 200, response.text
