"""``/docs`` (Swagger UI from the installed package, no CDN), the per-model ``:predict``
operations in ``/openapi.json``, and no redirects anywhere."""

from __future__ import annotations

import re

import httpx
from .support import EchoModel
from pydantic import BaseModel

from inference_common.api_docs import PredictDoc
from inference_common.app import build_app
from inference_common.settings import ServerSettings


class EchoRequest(BaseModel):
    rev_id: int


class EchoResponse(BaseModel):
    rev_id: int


class DocumentedEcho(EchoModel):
    def predict_doc(self) -> PredictDoc:
        return PredictDoc(
            summary="Echo a revision id",
            request=EchoRequest,
            response=EchoResponse,
            examples={"one": {"rev_id": 7}},
        )


async def test_docs_page_and_its_assets_are_served_locally(client: httpx.AsyncClient) -> None:
    for path in ("/docs", "/docs/"):
        page = await client.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/docs/assets/") for source in sources), sources
    assert '"/openapi.json"' in page.text
    for source in sources:
        asset = await client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 100
    script = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in script.text


async def test_each_model_has_its_own_documented_predict_operation(
    settings: ServerSettings,
) -> None:
    models = [DocumentedEcho("echo"), EchoModel("plain")]
    for model in models:
        model.load()
    app = build_app(models, settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        schema = (await client.get("/openapi.json")).json()
        paths = schema["paths"]
        assert "/v1/models/{model_name}:predict" not in paths
        echo = paths["/v1/models/echo:predict"]["post"]
        assert echo["summary"] == "Echo a revision id"
        body = echo["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": "#/components/schemas/EchoRequest"}
        assert body["examples"] == {"one": {"value": {"rev_id": 7}}}
        ok = echo["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": "#/components/schemas/EchoResponse"}
        error = echo["responses"]["400"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorResponse"}
        components = schema["components"]["schemas"]
        assert {"EchoRequest", "EchoResponse", "ErrorResponse", "ErrorBody"} <= set(components)
        assert components["ErrorResponse"]["properties"]["error"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
        # a model that says nothing more still gets its own operation
        plain = paths["/v1/models/plain:predict"]["post"]
        assert plain["summary"] == "Predict with plain"
        assert schema["tags"][0]["name"] == "predict"
        # the documented path is the real route
        answer = await client.post("/v1/models/echo:predict", json={"rev_id": 7})
        assert answer.json() == {"rev_id": 7}


async def test_no_route_answers_a_redirect(client: httpx.AsyncClient) -> None:
    for path in ("/v1/models/", "/v1/models/echo/", "/v2/health/ready/", "/metrics/", "/docs//"):
        response = await client.get(path)
        assert not 300 <= response.status_code < 400, (path, response.headers)
        assert response.status_code == 404, path
        assert response.json()["error"]["type"] == "NotFound"
    response = await client.post("/v1/models/echo:predict/", json={"rev_id": 1})
    assert response.status_code == 404
