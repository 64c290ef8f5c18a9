"""``/docs`` answers (Swagger UI from the installed package) and documents the model's
``:predict`` with its request example and response schema."""

from __future__ import annotations

from pathlib import Path

import httpx

from inference_testing.harness import docs_schema, serving
from revert_risk.model import RevertRiskModel
from revert_risk.request import Item

from .support import MODEL_NAME, SERVICE_DIR


async def test_docs_and_the_documented_predict(
    client: httpx.AsyncClient, model: RevertRiskModel
) -> None:
    schema = await docs_schema(client)
    operation = schema["paths"][f"/v1/models/{model.name}:predict"]["post"]
    body = operation["requestBody"]["content"]["application/json"]
    assert body["examples"]["one revision"]["value"] == {"lang": "en", "rev_id": 123456}
    assert body["schema"] == {"$ref": "#/components/schemas/RevertRiskRequestBody"}
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response == {"$ref": "#/components/schemas/PredictResponse"}
    prediction = schema["components"]["schemas"]["Prediction"]["properties"]
    real = model.output(Item(0, "en", 1), 0.3)  # what the model really answers
    assert set(prediction) == set(real)
    assert set(schema["components"]["schemas"]["Output"]["properties"]) == set(real["output"])
    assert model.model_version in operation["description"]


async def test_the_real_process_serves_docs(model_path: Path) -> None:
    """Over a real socket, from ``python -m revert_risk`` as production starts it."""
    with serving(
        "revert_risk", SERVICE_DIR, ready_path=f"/v1/models/{MODEL_NAME}", model_path=model_path
    ) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            schema = await docs_schema(client)
        assert f"/v1/models/{MODEL_NAME}:predict" in schema["paths"]
