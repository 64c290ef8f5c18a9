"""The revert-risk server through the front door, as a user of ``make demo`` reaches it: the
real server (``python -m revert_risk``, the demo model, the embedded wiki) behind a real
haproxy rendered by ``gateway/render.py``, with RS256 tokens from ``gateway/tokens.py``.
(The door's every rule is tested in ``gateway/tests`` with echo servers behind it.)"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any, Iterator

import jwt
import pytest

from inference_testing.gateway import (
    FrontDoor,
    Response,
    front_door,
    haproxy_or_skip,
    make_keys,
    request,
)
from inference_testing.harness import ServerProcess, serving

from .support import MODEL_NAME, PREDICT, SERVICE_DIR

GATEWAY_DIR = SERVICE_DIR.parent / "gateway"
# Lift Wing's two URL forms for this model (its namespace is `revertrisk`).
API_GATEWAY = f"/service/lw/inference/v1/models/{MODEL_NAME}:predict"
DISCOVERY_HOST = f"{MODEL_NAME}.revertrisk.wikimedia.org"
FORMS = {
    "api-gateway": {"path": API_GATEWAY, "host": "api.wikimedia.org"},
    "discovery": {"path": PREDICT, "host": f"{DISCOVERY_HOST}:30443"},
}


@pytest.fixture(scope="module")
def server(model_path: Path, embedded_wiki: Any) -> Iterator[ServerProcess]:
    haproxy_or_skip()  # before starting anything
    with serving(
        "revert_risk",
        SERVICE_DIR,
        ready_path=f"/v1/models/{MODEL_NAME}",
        model_path=model_path,
        wiki_url=embedded_wiki.base_url,
        http_retries=0,
        process_pool_workers=1,
        log_level="INFO",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def door(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FrontDoor]:
    address = server.url.removeprefix("http://")
    with front_door(GATEWAY_DIR, tmp_path_factory.mktemp("door"), {"revert-risk": address}) as d:
        yield d


def direct(server: ServerProcess, body: bytes) -> Response:
    """The same request to the server's own port."""
    return request(int(server.url.rpartition(":")[2]), "POST", PREDICT, body=body)


def predictions_reaching_the_server(server: ServerProcess, at_least: int = 0) -> int:
    """Predict requests in the server's access log (one line per request, written just
    after the answer: waits up to 5 s for ``at_least`` of them)."""
    deadline = time.monotonic() + 5
    while True:
        count = sum(f"POST {PREDICT} " in line for line in server.output().splitlines())
        if count >= at_least or time.monotonic() > deadline:
            return count
        time.sleep(0.05)


def body_of(rev_id: int) -> bytes:
    return json.dumps({"lang": "en", "rev_id": rev_id}).encode()


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("rate_class", [None, "authed-user", "established-user"])
def test_both_forms_with_and_without_a_token_give_the_servers_score(
    door: FrontDoor, server: ServerProcess, embedded_wiki: Any, form: str, rate_class: str | None
) -> None:
    rev_id = embedded_wiki.seed["revisions"]["vandalism"]
    token = door.token(rate_class, f"user-{form}-{rate_class}") if rate_class else None
    before = predictions_reaching_the_server(server)
    response = door.request("POST", **FORMS[form], token=token, body=body_of(rev_id))
    assert response.status == 200, response
    body = response.json()
    assert body["model_name"] == MODEL_NAME and body["revision_id"] == rev_id
    assert body["wiki_db"] == "enwiki"
    assert body == direct(server, body_of(rev_id)).json()
    assert predictions_reaching_the_server(server, before + 2) == before + 2  # door's, ours
    # the access log of the door names the class (anonymous: anon) and the model
    line = next(line for line in reversed(door.log().splitlines()) if "model=" in line)
    assert f"class={rate_class or 'anon'}" in line and f"model={MODEL_NAME}" in line


@pytest.mark.parametrize("form", FORMS)
def test_a_missing_revision_is_the_servers_own_404_unchanged(
    door: FrontDoor, server: ServerProcess, embedded_wiki: Any, form: str
) -> None:
    missing = embedded_wiki.seed["missing_rev_id"]
    token = door.token("authed-user", "user-missing")
    response = door.request("POST", **FORMS[form], token=token, body=body_of(missing))
    own = direct(server, body_of(missing))
    assert own.status == 404 and own.json()["error"]["type"] == "RevisionNotFound"
    assert (response.status, response.body) == (own.status, own.body)
    assert response.headers["content-type"] == own.headers["content-type"]


def _unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.fixture(scope="module")
def bad_tokens(door: FrontDoor, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    foreign_key = make_keys(GATEWAY_DIR, tmp_path_factory.mktemp("foreign-keys"))
    now = int(time.time())
    claims = {"iss": "https://meta.wikimedia.org", "sub": "mallory", "exp": now + 600}
    return {
        "another key": door.token("established-user", "mallory", key=foreign_key),
        "expired": door.token("established-user", "mallory", ttl=-60),
        "another issuer": jwt.encode(
            {**claims, "iss": "https://meta.wikimedia.org.evil.example"},
            door.private_key.read_bytes(),
            algorithm="RS256",
        ),
        "alg none": _unsigned({**claims, "rlc": "established-user"}),
        "malformed": "not-a-token",
    }


@pytest.mark.parametrize(
    "case", ["another key", "expired", "another issuer", "alg none", "malformed"]
)
@pytest.mark.parametrize("form", FORMS)
def test_a_bad_token_is_a_401_that_never_reaches_the_server(
    door: FrontDoor,
    server: ServerProcess,
    bad_tokens: dict[str, str],
    embedded_wiki: Any,
    form: str,
    case: str,
) -> None:
    rev_id = embedded_wiki.seed["revisions"]["good_edit"]
    before = predictions_reaching_the_server(server)
    response = door.request("POST", **FORMS[form], token=bad_tokens[case], body=body_of(rev_id))
    assert response.status == 401, response
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["type"] == "InvalidToken"
    # then a request that does reach it: the only one logged since
    assert door.request("POST", **FORMS[form], body=body_of(rev_id)).status == 200
    assert predictions_reaching_the_server(server, before + 1) == before + 1
