"""``/docs`` answers on the predictor and on the transformer (here in the one-process shape,
which serves the transformer), and documents each one's ``:predict`` with a request example
and a response schema that names what the model really answers."""

from __future__ import annotations

import httpx

from inference_testing.harness import docs_schema

from .support import NAME, Server


async def documented(client: httpx.AsyncClient, name: str) -> tuple[dict, dict]:
    schema = await docs_schema(client)
    return schema["paths"][f"/v1/models/{name}:predict"]["post"], schema["components"]["schemas"]


def example_and_response(operation: dict, components: dict) -> tuple[dict, dict]:
    body = operation["requestBody"]["content"]["application/json"]
    example = next(iter(body["examples"].values()))["value"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    return example, components[ref.rsplit("/", 1)[1]]


async def test_predictor_docs(predictor_client: httpx.AsyncClient) -> None:
    operation, components = await documented(predictor_client, NAME)
    example, response = example_and_response(operation, components)
    answer = await predictor_client.post(f"/v1/models/{NAME}:predict", json=example)
    assert answer.status_code == 200, answer.text  # the documented example works
    assert set(response["properties"]) == set(answer.json())
    assert set(components["OutlinkTopic"]["properties"]) == set(answer.json()["results"][0])


async def test_transformer_docs(one_process_client: httpx.AsyncClient) -> None:
    operation, components = await documented(one_process_client, NAME)
    example, response = example_and_response(operation, components)
    assert example == {"lang": "en", "page_title": "Wings of Fire (novel series)"}
    answer = await one_process_client.post(f"/v1/models/{NAME}:predict", json=example)
    assert answer.status_code == 200, answer.text  # the embedded wiki has that article
    assert set(response["properties"]) == set(answer.json())
    prediction = answer.json()["prediction"]
    assert set(components["ArticleTopics"]["properties"]) == set(prediction)
    assert set(components["ArticleTopic"]["properties"]) == set(prediction["results"][0])


async def test_the_real_predictor_process_serves_docs(predictor_server: Server) -> None:
    """Over a real socket, from ``python -m outlink_predictor`` as production starts it."""
    async with httpx.AsyncClient(base_url=predictor_server.url, timeout=30) as client:
        schema = await docs_schema(client)
    assert f"/v1/models/{NAME}:predict" in schema["paths"]
