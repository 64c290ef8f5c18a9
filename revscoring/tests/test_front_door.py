"""The revscoring server through the front door, as a user of ``make demo`` reaches it: the
real server (``python -m revscoring_server``, two demo models, the embedded wiki) behind a
real haproxy rendered by ``gateway/render.py``, with an RS256 token from
``gateway/tokens.py``: the ORES v3 API on the API gateway (``/service/lw/inference/v3/...``)
and on the discovery form, and ``:predict`` on both. (The door's every rule is tested in
``gateway/tests`` with echo servers behind it.)"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from inference_testing.gateway import FrontDoor, Response, front_door, haproxy_or_skip, request
from inference_testing.harness import ServerProcess, serving

from .support import NLTK_DATA, SERVICE_DIR

GATEWAY_DIR = SERVICE_DIR.parent / "gateway"
MODELS = ("enwiki-damaging", "enwiki-goodfaith")
API = "/service/lw/inference"
DAMAGING_HOST = "enwiki-damaging.revscoring-editquality-damaging.wikimedia.org"


@pytest.fixture(scope="module")
def server(models_dir: Any, wiki_url: str) -> Iterator[ServerProcess]:
    haproxy_or_skip()  # before starting anything
    with serving(
        "revscoring_server",
        SERVICE_DIR,
        ready_path=f"/v1/models/{MODELS[0]}",
        nltk_data=NLTK_DATA,
        models_dir=models_dir(*MODELS),
        wiki_url=wiki_url,
        log_level="WARNING",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def door(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FrontDoor]:
    address = server.url.removeprefix("http://")
    with front_door(GATEWAY_DIR, tmp_path_factory.mktemp("door"), {"revscoring": address}) as d:
        yield d


def direct(server: ServerProcess, method: str, path: str, body: bytes | None = None) -> Response:
    return request(int(server.url.rpartition(":")[2]), method, path, body=body)


def test_ores_v3_through_the_api_gateway_and_the_discovery_form(
    door: FrontDoor, server: ServerProcess, seed: dict[str, Any]
) -> None:
    revids = f"{seed['revisions']['good_edit']}%7C{seed['revisions']['vandalism']}"
    query = f"/v3/scores/enwiki/?models=damaging%7Cgoodfaith&revids={revids}"
    own = direct(server, "GET", query)
    assert own.status == 200, own
    scores = own.json()["enwiki"]["scores"]
    assert len(scores) == 2 and all(set(s) == {"damaging", "goodfaith"} for s in scores.values())
    token = door.token("established-user", "ores-user")
    for response in (
        door.request("GET", API + query, host="api.wikimedia.org", token=token),
        door.request("GET", API + query),  # anonymous
        door.request("GET", query, host=f"{DAMAGING_HOST}:30443", token=token),
    ):
        assert response.status == 200, response
        assert response.json() == own.json()
    # the ORES index, through the API gateway
    index = door.request("GET", f"{API}/v3/scores/")
    assert index.status == 200 and index.json() == direct(server, "GET", "/v3/scores/").json()


@pytest.mark.parametrize("model", MODELS)
def test_predict_on_both_forms(
    door: FrontDoor, server: ServerProcess, seed: dict[str, Any], model: str
) -> None:
    body = json.dumps({"rev_id": seed["revisions"]["vandalism"]}).encode()
    path = f"/v1/models/{model}:predict"
    own = direct(server, "POST", path, body)
    assert own.status == 200, own
    kind = model.split("-")[1]
    host = f"{model}.revscoring-editquality-{kind}.wikimedia.org"
    token = door.token("authed-user", "predict-user")
    for response in (
        door.request("POST", API + path, token=token, body=body),
        door.request("POST", path, host=host, body=body),
    ):
        assert response.status == 200, response
        assert response.json() == own.json()
