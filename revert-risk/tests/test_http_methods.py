"""Wrong methods: ``GET :predict?lang=en&rev_id=...`` (an ORES client's habit) gets a 405
with ``Allow: POST`` and the JSON body to POST, not KServe's misleading 404."""

from __future__ import annotations

import httpx

from inference_testing.harness import assert_post_only

from .support import PREDICT


async def test_post_only_routes_answer_other_methods_with_405(client: httpx.AsyncClient) -> None:
    await assert_post_only(client, PREDICT, {"lang": "en", "rev_id": 123456})
    await assert_post_only(client, f"{PREDICT}?lang=ru&rev_id=647", {"lang": "ru", "rev_id": 647})
    await assert_post_only(client, "/v2/models/revertrisk-language-agnostic/infer")
