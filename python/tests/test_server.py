"""The server glue: KServe's endpoints, the one error shape, limits, request ids."""

import asyncio

import httpx
import pytest
from prometheus_client import REGISTRY

from inference_common.api_docs import PredictDoc
from inference_common.app import build_app
from inference_common.middleware import RequestMiddleware
from inference_common.settings import ServerSettings
from inference_testing.harness import (
    BAD_BODIES,
    BAD_IDS,
    CONTENT_TYPES,
    BadBody,
    ContentType,
    assert_error,
    assert_no_server_error,
    assert_post_only,
)

from .support import EchoModel


async def test_predict_accepts_json_whatever_the_content_type(client: httpx.AsyncClient) -> None:
    for content_type in ("application/json", "application/x-www-form-urlencoded", "text/plain"):
        response = await client.post(
            "/v1/models/echo:predict",
            content=b'{"rev_id": 7}',
            headers={"content-type": content_type},
        )
        assert response.status_code == 200, content_type
        assert response.json() == {"rev_id": 7}


CLOUDEVENT = {"ce-specversion": "1.0", "ce-source": "test", "ce-type": "t", "ce-id": "1"}


@pytest.mark.parametrize(
    ("headers", "body", "status", "answer"),
    [
        # KServe 0.13 alone: an AttributeError (500) for the first two.
        (CLOUDEVENT, b"", 400, "request body is empty"),
        ({**CLOUDEVENT, "ce-contenttype": "application/json"}, b'{"rev_id": 7}', 200, None),
        ({**CLOUDEVENT, "content-type": "application/json"}, b'{"rev_id": 7}', 200, None),
        ({**CLOUDEVENT, "content-type": "text/plain"}, b"[1]", 400, "got array"),
        ({**CLOUDEVENT, "ce-specversion": "9.9"}, b'{"rev_id": 7}', 400, "CloudEvent"),
    ],
)
async def test_binary_cloudevents(
    client: httpx.AsyncClient, headers: dict, body: bytes, status: int, answer: str | None
) -> None:
    response = await client.post("/v1/models/echo:predict", content=body, headers=headers)
    if status == 200:
        assert response.status_code == 200, response.text
        assert response.json() == {"rev_id": 7}
        assert response.headers["ce-source"]  # KServe answers an event with an event
    else:
        assert answer in assert_error(response, status, "InvalidInput")["message"]


async def test_structured_cloudevents(client: httpx.AsyncClient) -> None:
    event = {"specversion": "1.0", "id": "1", "source": "s", "type": "t", "time": "2024-01-01"}
    headers = {"content-type": "application/cloudevents+json"}
    response = await client.post(
        "/v1/models/echo:predict", json={**event, "data": {"rev_id": 7}}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"rev_id": 7}
    response = await client.post(
        "/v1/models/echo:predict", json={**event, "data": "x"}, headers=headers
    )
    assert_error(response, 400, "InvalidInput")


@pytest.mark.parametrize(
    ("body", "status", "error_type"),
    [
        (b'{"rev_id": 404}', 404, "RevisionNotFound"),
        (b'{"rev_id": "x"}', 400, "InvalidInput"),
        (b"[]", 400, "InvalidInput"),
        (b"{", 400, "InvalidInput"),
        (b"", 400, "InvalidInput"),
        (b"[" * 1500 + b"]" * 1500, 400, "InvalidInput"),
        (b'{"rev_id": 500}', 500, "InternalServerError"),
    ],
)
async def test_errors_have_one_shape(
    client: httpx.AsyncClient, body: bytes, status: int, error_type: str
) -> None:
    response = await client.post("/v1/models/echo:predict", content=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["type"] == error_type
    assert isinstance(error["message"], str) and error["message"]
    assert "Traceback" not in response.text
    # ...and the server still answers the next good request.
    good = await client.post("/v1/models/echo:predict", json={"rev_id": 1})
    assert good.json() == {"rev_id": 1}


async def test_kserve_endpoints_still_work(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/models/echo")).json() == {"name": "echo", "ready": True}
    assert (await client.get("/v2/health/ready")).json() == {"ready": True}
    assert (await client.get("/v1/models")).json() == {"models": ["echo"]}
    metrics = await client.get("/metrics")
    assert "inference_http_requests_total" in metrics.text


async def test_unknown_model_and_route(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/models/nope:predict", json={"rev_id": 1})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "ModelNotFound"
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "NotFound"


class ExampleEcho(EchoModel):
    def predict_doc(self) -> PredictDoc:
        return PredictDoc(summary="Echo a revision id", examples={"a revision": {"rev_id": 7}})


async def test_post_only_routes_answer_other_methods_with_405(settings: ServerSettings) -> None:
    """Not KServe's 404 "Model with name echo:predict does not exist" (its GET route
    /v1/models/{name} matched): 405, Allow: POST, and the body to POST."""
    models = [ExampleEcho("echo"), EchoModel("plain")]
    for model in models:
        model.load()
    transport = httpx.ASGITransport(app=build_app(models, settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        await assert_post_only(client, "/v1/models/echo:predict", {"rev_id": 7})
        # the ORES habit: the request in the query string; its values go in the example
        await assert_post_only(client, "/v1/models/echo:predict?rev_id=647", {"rev_id": 647})
        response = await client.get("/v1/models/echo:predict?rev_id=647")
        assert "(query parameters are not read)" in response.json()["error"]["message"]
        await assert_post_only(client, "/v1/models/plain:predict")  # no example to quote
        response = await client.get("/v1/models/plain:predict")
        assert " -d " not in response.json()["error"]["message"]
        await assert_post_only(client, "/v1/models/nope:predict")  # wrong method, any name
        for path in (
            "/v1/models/echo:explain",
            "/v2/models/echo/infer",
            "/v2/models/echo/versions/1/infer",
            "/v2/repository/models/echo/load",
            "/v2/repository/models/echo/unload",
        ):
            await assert_post_only(client, path)
        # POST still reaches the route, and GET routes keep their GET
        answer = await client.post("/v1/models/echo:predict", json={"rev_id": 1})
        assert answer.json() == {"rev_id": 1}
        assert (await client.get("/v1/models/echo")).json() == {"name": "echo", "ready": True}


async def test_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    big = b'{"rev_id": 1, "pad": "' + b"x" * 5000 + b'"}'
    response = await client.post("/v1/models/echo:predict", content=big)
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "PayloadTooLarge"

    # A chunked body with no Content-Length is counted as it arrives.
    async def chunks():
        for _ in range(10):
            yield b"x" * 1000

    response = await client.post("/v1/models/echo:predict", content=chunks())
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "PayloadTooLarge"


async def test_request_ids(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/models/echo:predict", json={"rev_id": 1}, headers={"x-request-id": "abc-123"}
    )
    assert response.headers["x-request-id"] == "abc-123"
    response = await client.post(
        "/v1/models/echo:predict", json={"rev_id": 1}, headers={"x-request-id": "bad id\n"}
    )
    assert response.headers["x-request-id"] != "bad id\n"
    assert len(response.headers["x-request-id"]) == 32


async def test_overload_gets_a_fast_503_with_retry_after() -> None:
    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    app = RequestMiddleware(slow_app, max_request_bytes=1000, max_concurrent_requests=2)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        slow = [asyncio.create_task(client.post("/v1/models/m:predict", json={})) for _ in range(2)]
        while app.in_flight < 2:
            await asyncio.sleep(0.01)
        rejected = await client.post("/v1/models/m:predict", json={})
        assert rejected.status_code == 503
        assert rejected.headers["retry-after"] == "1"
        assert rejected.json()["error"]["type"] == "Overloaded"
        # Health checks are never refused.
        release.set()
        assert [r.status_code for r in await asyncio.gather(*slow)] == [200, 200]
        assert app.in_flight == 0


async def test_a_services_inference_routes_count_against_the_limit() -> None:
    """A service's own inference routes (revscoring's ``/v3/``) take a slot like
    ``:predict`` and are labelled in the metrics; its other routes are neither."""
    release = asyncio.Event()

    async def app(scope, receive, send):
        if scope["path"].startswith("/v3/"):
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    middleware = RequestMiddleware(
        app, max_request_bytes=1000, max_concurrent_requests=1, inference_routes={"/v3/": "ores"}
    )
    refused = {"kind": "ores", "status": "503"}
    before = REGISTRY.get_sample_value("inference_http_requests_total", refused) or 0
    transport = httpx.ASGITransport(app=middleware)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        slow = asyncio.create_task(client.get("/v3/scores/enwiki/1"))
        await asyncio.sleep(0.2)  # it has reached the app
        second = await asyncio.wait_for(client.get("/v3/scores/enwiki/2"), 5)  # not queued
        assert_error(second, 503, "Overloaded")
        assert (await client.get("/v2/health/ready")).status_code == 200
        assert (await client.get("/elsewhere")).status_code == 200
        release.set()
        assert (await slow).status_code == 200
    assert REGISTRY.get_sample_value("inference_http_requests_total", refused) == before + 1


@pytest.mark.parametrize("content_type", CONTENT_TYPES, ids=str)
@pytest.mark.parametrize("case", BAD_BODIES, ids=str)
async def test_the_shared_bad_body_table(
    client: httpx.AsyncClient, case: BadBody, content_type: ContentType
) -> None:
    """The table every service runs: a clear 4xx for each, then a good answer."""
    app_limit = 4096  # the fixture's MAX_REQUEST_BYTES
    response = await client.post(
        "/v1/models/echo:predict", content=case.body, headers=content_type.headers
    )
    expected_status = 413 if len(case.body) > app_limit else case.status
    expected_type = "PayloadTooLarge" if len(case.body) > app_limit else case.error_type
    assert_error(response, expected_status, expected_type)
    good = await client.post("/v1/models/echo:predict", json={"rev_id": 1})
    assert good.json() == {"rev_id": 1}


@pytest.mark.parametrize(("name", "value"), BAD_IDS, ids=[n for n, _ in BAD_IDS])
async def test_the_shared_bad_id_table(client: httpx.AsyncClient, name: str, value) -> None:
    response = await client.post("/v1/models/echo:predict", json={"rev_id": value})
    assert_error(response, 400, "InvalidInput")


@pytest.mark.parametrize("content_type", CONTENT_TYPES, ids=str)
async def test_kserves_v2_infer_route_never_answers_5xx(
    client: httpx.AsyncClient, content_type: ContentType
) -> None:
    """KServe also serves /v2/models/{name}/infer; the table gets a 4xx there too."""
    for case in BAD_BODIES:
        response = await client.post(
            "/v2/models/echo/infer", content=case.body, headers=content_type.headers
        )
        assert_no_server_error(response)
        assert response.status_code >= 400, case
