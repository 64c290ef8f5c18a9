"""Wrong methods on every outlink server (predictor, transformer, one process): a 405
with ``Allow: POST`` and the JSON body to POST, not KServe's misleading 404."""

from __future__ import annotations

import httpx

from inference_testing.harness import assert_post_only

from .support import PREDICT

TRANSFORMER_EXAMPLE = {"lang": "en", "page_title": "Wings of Fire (novel series)"}


async def test_the_predictor(predictor_client: httpx.AsyncClient) -> None:
    await assert_post_only(
        predictor_client, PREDICT, {"features_str": "Q1 Q5 Q2 Q42", "threshold": 0.1}
    )
    await assert_post_only(
        predictor_client,
        f"{PREDICT}?threshold=0.5",
        {"features_str": "Q1 Q5 Q2 Q42", "threshold": 0.5},
    )


async def test_the_transformer(transformer_client: httpx.AsyncClient) -> None:
    await assert_post_only(transformer_client, PREDICT, TRANSFORMER_EXAMPLE)
    await assert_post_only(
        transformer_client,
        f"{PREDICT}?lang=de&page_title=Berlin",
        {"lang": "de", "page_title": "Berlin"},
    )


async def test_one_process(one_process_client: httpx.AsyncClient) -> None:
    await assert_post_only(one_process_client, PREDICT, TRANSFORMER_EXAMPLE)
    await assert_post_only(one_process_client, "/v1/models/outlink-topic-model:explain")
