"""MediaWiki failing or unreachable: a clear 5xx, and the transformer keeps serving."""

from __future__ import annotations

import asyncio
from typing import Callable

from aiohttp import web
from outlink_transformer.model import OutlinkTransformer
from outlink_transformer.settings import TransformerSettings

from .support import NAME, PREDICT, Server, asgi_client, free_port, json_response

REQUEST = {"lang": "en", "page_title": "Chess"}


async def post_with_wiki(wiki_url: str, predictor: Server, body: dict):
    settings = TransformerSettings(
        inference_name=NAME,
        predictor_host=predictor.host,
        wiki_url=wiki_url,
        http_retries=1,
        http_timeout=0.5,
    )
    async for client in asgi_client([OutlinkTransformer(settings)], settings):
        failed = await client.post(PREDICT, json=body)
        # The same server still answers a request that needs no wiki.
        fine = await client.post(PREDICT, json={**body, "features_str": "Q8261 Q36180"})
        assert fine.status_code == 200
        return failed


async def test_wiki_http_500_is_502(local_http: Callable, predictor_server: Server) -> None:
    calls: list[int] = []

    def handler(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=500, text="Internal error")

    response = await post_with_wiki(await local_http(handler), predictor_server, REQUEST)
    assert response.status_code == 502
    assert response.json()["error"]["type"] == "UpstreamError"
    assert "en.wikipedia.org" in response.json()["error"]["message"]
    assert len(calls) == 2  # one retry


async def test_wiki_api_error_is_502(local_http: Callable, predictor_server: Server) -> None:
    error = {"error": {"code": "internal_api_error_Exception", "info": "boom"}}
    response = await post_with_wiki(
        await local_http(lambda request: json_response(error)), predictor_server, REQUEST
    )
    assert response.status_code == 502
    assert "internal_api_error_Exception" in response.json()["error"]["message"]


async def test_wiki_unreachable_is_503(predictor_server: Server) -> None:
    response = await post_with_wiki(f"http://127.0.0.1:{free_port()}", predictor_server, REQUEST)
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "UpstreamUnavailable"


async def test_wiki_too_slow_is_504(local_http: Callable, predictor_server: Server) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return json_response({})

    response = await post_with_wiki(await local_http(slow), predictor_server, REQUEST)
    assert response.status_code == 504
    assert response.json()["error"]["type"] == "UpstreamTimeout"


async def test_host_header_names_the_wiki_of_lang(
    local_http: Callable, predictor_server: Server
) -> None:
    seen: list[dict] = []

    async def handler(request: web.Request) -> web.Response:
        params = {**request.query, **(await request.post())}  # reads are GETs
        seen.append({"host": request.headers["Host"], "method": request.method, **params})
        if "generator" in seen[-1]:
            return json_response({"batchcomplete": True})
        return json_response({"query": {"pages": [{"pageid": 7, "ns": 0, "title": "Schach"}]}})

    response = await post_with_wiki(
        await local_http(handler), predictor_server, {"lang": "de", "page_title": "Schach"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "prediction": {"article": "https://de.wikipedia.org/wiki/Schach", "results": []}
    }
    assert {call["host"] for call in seen} == {"de.wikipedia.org"}
    assert [call["method"] for call in seen] == ["GET", "GET"]
    links = seen[1]
    assert (links["pageids"], links["generator"], links["gplnamespace"]) == ("7", "links", "0")
    assert (links["gpllimit"], links["prop"], links["ppprop"]) == (
        "max",
        "pageprops",
        "wikibase_item",
    )
    assert links["redirects"] == "1"
