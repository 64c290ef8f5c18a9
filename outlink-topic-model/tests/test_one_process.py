"""The one-process shape answers byte for byte as the pair does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from .support import NAME, PREDICT, SERVICE_DIR, Server, free_port, server_env
from .events import page_change


def requests(seed: dict[str, Any]) -> list[dict[str, Any]]:
    pages = seed["pages"]
    title = pages["outlinks"]["title"]
    return [
        {"lang": "en", "page_title": title},
        {"lang": "en", "page_title": title.replace(" ", "_"), "debug": True},
        {"lang": "en", "page_title": title, "threshold": 0.05},
        {"lang": "en", "page_id": pages["outlinks"]["page_id"], "threshold": 1},
        {"lang": "en", "page_title": pages["redirect"]["title"]},
        {"lang": "en", "page_title": pages["many_outlinks"]["title"]},
        {"lang": "en", "page_title": pages["no_outlinks"]["title"]},
        {"lang": "en", "page_title": "Chess", "features_str": "Q7100004 Q7100018 Q5"},
        {"event": page_change(title, pages["outlinks"]["page_id"], pages["outlinks"]["rev_id"])},
        {"lang": "en", "page_title": "No such page in this wiki"},
        {"lang": "en", "page_id": 987_654_321},
        {"lang": "enwiki", "page_title": "Chess"},
        {"lang": "en", "page_title": "Chess", "page_id": 3},
        {"lang": "en", "page_title": "A{B"},
        {"lang": "en", "page_title": "Chess", "threshold": -1},
        {"lang": "en", "page_title": "Chess", "features_str": "Q1\nP2"},
    ]


async def test_same_bytes_as_the_pair(
    transformer_client: httpx.AsyncClient,
    one_process_client: httpx.AsyncClient,
    embedded_wiki: Any,
) -> None:
    statuses = set()
    for body in requests(embedded_wiki.seed):
        pair = await transformer_client.post(PREDICT, json=body)
        one = await one_process_client.post(PREDICT, json=body)
        assert (one.status_code, one.content) == (pair.status_code, pair.content), body
        statuses.add(pair.status_code)
    assert statuses == {200, 400, 404}


async def test_one_process_server(
    model_path: Path, transformer_client: httpx.AsyncClient, embedded_wiki: Any
) -> None:
    """``python -m outlink_one_process`` as a subprocess, the way it is run by hand."""
    port = free_port()
    env = server_env(
        inference_name=NAME, http_port=port, model_path=model_path, wiki_url=embedded_wiki.base_url
    )
    server = Server([sys.executable, "-m", "outlink_one_process"], env, SERVICE_DIR, port).start()
    try:
        body = requests(embedded_wiki.seed)[0]
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            one = await client.post(PREDICT, json=body)
            models = await client.get("/v1/models")
        assert one.status_code == 200
        assert one.content == (await transformer_client.post(PREDICT, json=body)).content
        assert models.json() == {"models": [NAME]}
    finally:
        server.stop()


def test_missing_model_stops_the_server_with_one_line(tmp_path: Path) -> None:
    env = server_env(model_path=tmp_path / "model.bin", http_port=free_port())
    result = subprocess.run(
        [sys.executable, "-m", "outlink_one_process"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"startup error: model file {tmp_path / 'model.bin'} does not exist (set MODEL_PATH)"
    )


def test_transformer_without_predictor_host_exits_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "outlink_transformer"],
        env=server_env(http_port=free_port()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "configuration error: PREDICTOR_HOST is required (or --predictor_host)"
    )
    result = subprocess.run(
        [sys.executable, "-m", "outlink_transformer", "--predictor_host", "bad host/x"],
        env=server_env(http_port=free_port()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("configuration error: PREDICTOR_HOST: String should match")
