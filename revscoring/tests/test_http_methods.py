"""The revscoring server's own HTTP edges: wrong methods on POST-only routes get a 405
that says what to POST (an ORES client's habit: ``GET :predict?rev_id=...``), and the
ORES v3 routes are inference routes (labelled ``ores``, counted against the limit)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from prometheus_client import REGISTRY

from inference_testing.harness import assert_post_only
from revscoring_server.ores_routes import PRECACHE_EXAMPLE

NAME = "enwiki-articlequality"


async def test_wrong_methods_and_the_ores_route_kind(
    start_server: Callable[..., Any], models_dir: Callable[..., Path], wiki_url: str
) -> None:
    async with start_server(models_dir=models_dir(NAME), wiki_url=wiki_url) as server:
        # Was 404 "Model with name enwiki-articlequality:predict does not exist."
        await assert_post_only(
            server.client, f"/v1/models/{NAME}:predict?rev_id=647", {"rev_id": 647}
        )
        await assert_post_only(server.client, f"/v1/models/{NAME}:predict", {"rev_id": 123456})
        for path in ("/v3/precache", "/v3/precache/"):
            await assert_post_only(server.client, path, PRECACHE_EXAMPLE)

        ores = {"kind": "ores", "status": "200"}
        before = REGISTRY.get_sample_value("inference_http_requests_total", ores) or 0
        assert (await server.client.get("/v3/scores/")).status_code == 200
        assert REGISTRY.get_sample_value("inference_http_requests_total", ores) == before + 1
