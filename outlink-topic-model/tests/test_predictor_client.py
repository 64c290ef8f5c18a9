"""The transformer's calls to the predictor over real HTTP: answers, failures, recovery."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx
import pytest
from aiohttp import web
from outlink_transformer.model import OutlinkTransformer
from outlink_transformer.predictor_client import PredictorClient, PredictorRejected
from outlink_transformer.settings import TransformerSettings

from inference_common import http
from inference_common.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable

from .support import (
    NAME,
    PREDICT,
    Server,
    asgi_client,
    free_port,
    json_response,
    predictor_process,
)

FEATURES = {"lang": "en", "page_title": "Wings of Fire", "features_str": "Q8261 Q36180 Q1667921"}


def client_for(url: str, **kwargs: Any) -> PredictorClient:
    options = {"timeout": 2.0, "connect_timeout": 1.0, "retries": 1, "user_agent": "test/1"}
    options.update(kwargs)
    return PredictorClient(f"{url}/v1/models/{NAME}:predict", **options)


async def transformer_for(host: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = TransformerSettings(inference_name=NAME, predictor_host=host, http_retries=1)
    async for client in asgi_client([OutlinkTransformer(settings)], settings):
        yield client


async def test_answer_of_the_real_predictor(predictor_server: Server) -> None:
    client = client_for(predictor_server.url)
    try:
        answer = await client.predict({"features_str": "Q8261 Q36180 Q1667921", "debug": True})
    finally:
        await client.close()
    assert len(answer["results"]) == 64 and answer["model_version"]


async def test_url_and_request_id_follow_kserve(local_http: Callable) -> None:
    seen: list[web.Request] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request)
        return json_response({"results": [], "model_version": "v"})

    url = await local_http(handler)
    settings = TransformerSettings(inference_name=NAME, predictor_host=url.split("//")[1])
    async for client in asgi_client([OutlinkTransformer(settings)], settings):
        response = await client.post(PREDICT, json=FEATURES, headers={"x-request-id": "abc-123"})
        assert response.status_code == 200
    assert seen[0].path == f"/v1/models/{NAME}:predict"
    assert seen[0].headers["x-request-id"] == "abc-123"
    assert seen[0].headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("status", "body", "error", "error_type"),
    [
        (
            400,
            {"error": {"type": "InvalidInput", "message": "bad"}},
            PredictorRejected,
            "InvalidInput",
        ),
        (
            413,
            {"error": {"type": "PayloadTooLarge", "message": "big"}},
            PredictorRejected,
            "PayloadTooLarge",
        ),
        (422, {"error": "kserve's own shape"}, PredictorRejected, "PredictorRejected"),
        (404, {"error": {"type": "ModelNotFound", "message": "x"}}, UpstreamError, "UpstreamError"),
        (
            500,
            {"error": {"type": "InternalError", "message": "boom"}},
            UpstreamError,
            "UpstreamError",
        ),
        (
            503,
            {"error": {"type": "Overloaded", "message": "busy"}},
            UpstreamUnavailable,
            "UpstreamUnavailable",
        ),
        (200, ["not", "an", "object"], UpstreamError, "UpstreamError"),
    ],
)
async def test_predictor_errors(
    local_http: Callable, status: int, body: Any, error: type, error_type: str
) -> None:
    url = await local_http(lambda request: json_response(body, status))
    client = client_for(url)
    try:
        with pytest.raises(error) as raised:
            await client.predict({"features_str": ""})
    finally:
        await client.close()
    assert raised.value.type == error_type
    if error is PredictorRejected:
        assert raised.value.status == status


async def test_predictor_4xx_pass_through_the_transformer(local_http: Callable) -> None:
    body = {"error": {"type": "InvalidInput", "message": "features_str is odd"}}
    url = await local_http(lambda request: json_response(body, 400))
    async for client in transformer_for(url.split("//")[1]):
        response = await client.post(PREDICT, json=FEATURES)
    assert response.status_code == 400
    assert response.json() == body


async def test_malformed_json_and_timeouts(local_http: Callable) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return json_response({})

    url = await local_http(lambda request: web.Response(text="{not json", status=200))
    client = client_for(url)
    with pytest.raises(UpstreamError, match="malformed JSON"):
        await client.predict({"features_str": ""})
    await client.close()
    client = client_for(await local_http(slow), timeout=0.3)
    with pytest.raises(UpstreamTimeout):
        await client.predict({"features_str": ""})
    await client.close()


async def test_unreachable_predictor_is_503() -> None:
    client = client_for(f"http://127.0.0.1:{free_port()}", retries=2, backoff=0.01)
    with pytest.raises(UpstreamUnavailable, match="unreachable"):
        await client.predict({"features_str": ""})
    await client.close()


async def test_predictor_retries_are_the_shared_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The predictor hop retries through the one retry helper of every outgoing call, on
    the shared HTTP client it is given (which it leaves open for its owner)."""
    calls: list[tuple[str, int]] = []
    original = http.with_retries

    async def counting(attempt: Any, policy: http.RetryPolicy, what: str) -> Any:
        tries: list[int] = []

        async def counted() -> Any:
            tries.append(1)
            return await attempt()

        try:
            return await original(counted, policy, what)
        finally:
            calls.append((what, len(tries)))

    monkeypatch.setattr(http, "with_retries", counting)
    shared = http.HttpClient(user_agent="tests/1")
    client = client_for(f"http://127.0.0.1:{free_port()}", retries=2, backoff=0.01, http=shared)
    with pytest.raises(UpstreamUnavailable, match="unreachable"):
        await client.predict({"features_str": ""})
    await client.close()
    assert shared.is_open
    await shared.close()
    assert calls == [("predictor", 3)]


async def test_predictor_down_then_back(model_path: Path) -> None:
    """A predictor that stops gives a clear 503; the transformer stays up and answers
    again as soon as the predictor is back on its address."""
    port = free_port()
    predictor = predictor_process(model_path, port).start()
    try:
        async for client in transformer_for(predictor.host):
            first = await client.post(PREDICT, json=FEATURES)
            assert first.status_code == 200

            predictor.stop()
            down = await client.post(PREDICT, json=FEATURES)
            assert down.status_code == 503
            assert down.json()["error"]["type"] == "UpstreamUnavailable"
            assert "predictor" in down.json()["error"]["message"]
            assert (await client.get("/v2/health/ready")).status_code == 200

            predictor.start()
            back = await client.post(PREDICT, json=FEATURES)
            assert back.status_code == 200
            assert back.content == first.content
    finally:
        predictor.stop()
