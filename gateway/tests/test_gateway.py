"""The front door, end to end: a real haproxy rendered from deploy/values.yaml, real HTTP
servers behind it, tokens signed by PyJWT (RS256) with a key made for the session."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from support import (
    TEST_LIMITS,
    TRUSTED_PROXY,
    Backend,
    Gateway,
    Keys,
    free_port,
    haproxy_or_skip,
    render,
)

CONFIG = render.load()
PREFIX = CONFIG.api_prefix
ISSUER = CONFIG.issuer
API_MODELS = [model for model in CONFIG.models if CONFIG.on_api_gateway(model)]
EXPERIMENTAL = [model for model in CONFIG.models if not CONFIG.on_api_gateway(model)]
REVSCORING = [model for model in CONFIG.models if model.image == CONFIG.ores_image]
OTHERS = [model for model in CONFIG.models if model.image != CONFIG.ores_image]


def error_of(response: Any, status: int, error_type: str) -> str:
    assert response.status == status, (response.status, response.body)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}, body
    assert body["error"]["type"] == error_type, body
    return body["error"]["message"]


def sub() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


def test_the_table_has_what_the_tests_need() -> None:
    namespaces = {model.namespace for model in CONFIG.models}
    assert {
        "revscoring-editquality-damaging",
        "revscoring-editquality-goodfaith",
        "revscoring-editquality-reverted",
        "revscoring-articlequality",
        "revscoring-draftquality",
        "revscoring-articletopic",
        "revscoring-drafttopic",
        "articletopic-outlink",
        "revertrisk",
        "experimental",
    } <= namespaces
    assert EXPERIMENTAL and OTHERS and REVSCORING


# --- routes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", CONFIG.models, ids=lambda model: model.name)
def test_discovery_form_reaches_the_models_server(
    gateway: Gateway, backends: dict[str, Backend], model: render.Model, address: Any
) -> None:
    path = f"/v1/models/{model.name}:predict"
    response = gateway.request(
        "POST",
        path,
        host=f"{model.name}.{model.namespace}.wikimedia.org:30443",
        body=b'{"rev_id": 1}',
        source=address(),
    )
    assert response.status == 200, response.body
    seen = response.json()
    assert seen["server"] == model.image
    assert seen["path"] == path and seen["method"] == "POST" and seen["body"] == '{"rev_id": 1}'


@pytest.mark.parametrize("model", API_MODELS, ids=lambda model: model.name)
def test_api_gateway_form_reaches_the_models_server(
    gateway: Gateway, model: render.Model, address: Any
) -> None:
    response = gateway.request(
        "POST",
        f"{PREFIX}/v1/models/{model.name}:predict",
        host="api.wikimedia.org",
        body=b"{}",
        source=address(),
    )
    assert response.status == 200, response.body
    seen = response.json()
    assert seen["server"] == model.image
    assert seen["path"] == f"/v1/models/{model.name}:predict"


@pytest.mark.parametrize("model", EXPERIMENTAL, ids=lambda model: model.name)
def test_experimental_models_are_not_on_the_api_gateway(
    gateway: Gateway, backends: dict[str, Backend], model: render.Model, address: Any
) -> None:
    before = len(backends[model.image].requests)
    response = gateway.request(
        "POST", f"{PREFIX}/v1/models/{model.name}:predict", body=b"{}", source=address()
    )
    assert "experimental" in error_of(response, 404, "ModelNotFound")
    assert len(backends[model.image].requests) == before
    # ... and are on the discovery endpoint (test_discovery_form_reaches_the_models_server).
    discovery = gateway.request(
        "POST",
        f"/v1/models/{model.name}:predict",
        host=f"{model.name}.experimental.wikimedia.org",
        source=address(),
    )
    assert discovery.status == 200 and discovery.json()["server"] == model.image


def _other_namespace(model: render.Model) -> str:
    return next(m.namespace for m in CONFIG.models if m.namespace != model.namespace)


@pytest.mark.parametrize(
    "host, path",
    [
        # the right model, in the wrong namespace
        (
            f"{CONFIG.models[0].name}.{_other_namespace(CONFIG.models[0])}.wikimedia.org",
            f"/v1/models/{CONFIG.models[0].name}:predict",
        ),
        # no such model
        ("nosuchwiki-damaging.revscoring-editquality-damaging.wikimedia.org", None),
        # another domain
        (f"{CONFIG.models[0].name}.{CONFIG.models[0].namespace}.example.org", None),
        # the Host names one model, the path another (served by the same server in the demo)
        (f"{REVSCORING[0].name}.{REVSCORING[0].namespace}.wikimedia.org", REVSCORING[1].name),
        # no Host naming a model at all
        ("inference.discovery.wmnet", None),
    ],
    ids=["wrong-namespace", "unknown-model", "other-domain", "path-names-another", "no-model"],
)
def test_discovery_form_refuses_a_host_that_names_no_served_model(
    gateway: Gateway, host: str, path: str | None, address: Any
) -> None:
    if path is None:
        path = f"/v1/models/{host.split('.')[0]}:predict"
    elif not path.startswith("/"):
        path = f"/v1/models/{path}:predict"
    response = gateway.request("POST", path, host=host, body=b"{}", source=address())
    error_of(response, 404, "ModelNotFound")


@pytest.mark.parametrize(
    "path",
    [
        f"{PREFIX}/v1/models/nosuchwiki-damaging:predict",
        f"{PREFIX}/v1/models/{API_MODELS[0].name.upper()}:predict",
    ],
)
def test_api_gateway_form_refuses_an_unknown_model(
    gateway: Gateway, path: str, address: Any
) -> None:
    error_of(gateway.request("POST", path, source=address()), 404, "ModelNotFound")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v2/health/ready",
        f"{PREFIX}/v2/models/x/infer",
        f"{PREFIX}/v1/models/{API_MODELS[0].name}:explain",
        f"{PREFIX}/../v1/models/{API_MODELS[0].name}:predict",
        "/service/lw/other/v1/models/x:predict",
    ],
)
def test_anything_else_is_a_json_404(gateway: Gateway, path: str, address: Any) -> None:
    error_of(gateway.request("GET", path, source=address()), 404, "NotFound")


def test_ores_v3_through_the_api_gateway(gateway: Gateway, address: Any) -> None:
    query = "/v3/scores/enwiki/?models=damaging%7Cgoodfaith&revids=1%7C2"
    for path in ("/v3/scores/", query):
        response = gateway.request("GET", PREFIX + path, source=address())
        assert response.status == 200, response.body
        assert response.json()["server"] == CONFIG.ores_image
        assert response.json()["path"] == path


def test_ores_v3_on_the_discovery_form_needs_a_revscoring_host(
    gateway: Gateway, address: Any
) -> None:
    model = REVSCORING[0]
    host = f"{model.name}.{model.namespace}.wikimedia.org"
    response = gateway.request("GET", "/v3/scores/enwiki/?revids=1", host=host, source=address())
    assert response.status == 200 and response.json()["server"] == CONFIG.ores_image
    other = OTHERS[0]
    response = gateway.request(
        "GET",
        "/v3/scores/enwiki/?revids=1",
        host=f"{other.name}.{other.namespace}.wikimedia.org",
        source=address(),
    )
    error_of(response, 404, "NotFound")


def test_health_page(gateway: Gateway) -> None:
    response = gateway.request("GET", render.HEALTH_PATH)
    assert response.status == 200
    assert response.json() == {
        "status": "ok",
        "servers_up": {"revscoring": 1, "outlink-transformer": 1, "revert-risk": 1},
    }


def test_a_server_that_is_down_is_a_json_503(
    start_gateway: Callable[..., Gateway], backends: dict[str, Backend], address: Any
) -> None:
    closed = f"127.0.0.1:{free_port()}"
    down = start_gateway(
        backends={**{i: b.address for i, b in backends.items()}, "revert-risk": closed}
    )
    model = next(model for model in CONFIG.models if model.image == "revert-risk")
    response = down.request("POST", f"{PREFIX}/v1/models/{model.name}:predict", source=address())
    error_of(response, 503, "ServiceUnavailable")


# --- tokens -----------------------------------------------------------------------------------


def _none_token(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": sub(), "iat": now, "exp": now + 600, "rlc": "authed-user"}
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


BAD_TOKENS: dict[str, Callable[[Keys], str]] = {
    "expired": lambda k: jwt.encode(_claims(exp=int(time.time()) - 5), k.private, "RS256"),
    "no-exp": lambda k: jwt.encode(_claims(exp=None), k.private, "RS256"),
    "not-yet-valid": lambda k: jwt.encode(_claims(nbf=int(time.time()) + 60), k.private, "RS256"),
    "wrong-issuer": lambda k: jwt.encode(
        _claims(iss="https://evil.example.org"), k.private, "RS256"
    ),
    "issuer-prefix": lambda k: jwt.encode(_claims(iss=ISSUER + ".evil.org"), k.private, "RS256"),
    "no-issuer": lambda k: jwt.encode(_claims(iss=None), k.private, "RS256"),
    "foreign-key": lambda k: jwt.encode(_claims(), k.foreign_private, "RS256"),
    "alg-none": lambda k: _none_token(_claims()),
    # the public key used as an HMAC secret (the classic algorithm confusion)
    "hs256-with-public-key": lambda k: _hs256(k.public, _claims()),
    "tampered-payload": lambda k: _tamper(jwt.encode(_claims(), k.private, "RS256")),
    "malformed": lambda k: "not-a-jwt",
    "two-parts": lambda k: ".".join(jwt.encode(_claims(), k.private, "RS256").split(".")[:2]),
    "empty": lambda k: "",
    "unknown-class": lambda k: jwt.encode(_claims(rlc="unlimited"), k.private, "RS256"),
    "anon-class-in-token": lambda k: jwt.encode(_claims(rlc="anon"), k.private, "RS256"),
}


def _hs256(secret: bytes, claims: dict[str, Any]) -> str:
    import hashlib
    import hmac

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(signature)}"


def _tamper(token: str) -> str:
    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["rlc"] = "established-user"
    new = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{new}.{signature}"


@pytest.mark.parametrize("name", BAD_TOKENS)
def test_a_bad_token_is_a_401_never_anonymous(
    gateway: Gateway, backends: dict[str, Backend], keys: Keys, name: str
) -> None:
    model = API_MODELS[0]
    before = len(backends[model.image].requests)
    response = gateway.request(
        "POST", f"{PREFIX}/v1/models/{model.name}:predict", token=BAD_TOKENS[name](keys)
    )
    message = error_of(response, 401, "InvalidToken")
    assert "bearer token" in message or "Authorization" in message
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert len(backends[model.image].requests) == before


@pytest.mark.parametrize(
    "name, words",
    [
        ("expired", "expired"),
        ("not-yet-valid", "not valid yet"),
        ("wrong-issuer", "not issued by https://meta.wikimedia.org"),
        ("foreign-key", "signature"),
        ("alg-none", "RS256"),
        ("malformed", "RS256"),
        ("unknown-class", "rlc"),
    ],
)
def test_the_401_says_what_is_wrong(gateway: Gateway, keys: Keys, name: str, words: str) -> None:
    response = gateway.request("GET", "/", token=BAD_TOKENS[name](keys))
    assert words in error_of(response, 401, "InvalidToken")


def test_a_verified_token_vouches_only_for_itself(
    gateway: Gateway, keys: Keys, address: Any
) -> None:
    """Signatures are verified once per token (a cache keyed by the whole token's digest):
    a copy with another payload is verified again and refused; exp is checked each time."""
    token = jwt.encode(_claims(rlc="authed-user", exp=int(time.time()) + 2), keys.private, "RS256")
    path = f"{PREFIX}/v1/models/{API_MODELS[0].name}:predict"
    source = address()
    assert gateway.request("POST", path, token=token, source=source).status == 200
    assert gateway.request("POST", path, token=token, source=source).status == 200
    tampered = gateway.request("POST", path, token=_tamper(token), source=source)
    assert "signature" in error_of(tampered, 401, "InvalidToken")
    time.sleep(
        max(0.0, jwt.decode(token, options={"verify_signature": False})["exp"] - time.time()) + 1.1
    )
    expired = gateway.request("POST", path, token=token, source=source)
    assert "expired" in error_of(expired, 401, "InvalidToken")


@pytest.mark.parametrize("value", ["Basic dXNlcjpwYXNz", "Bearer", "Token abc"])
def test_an_authorization_header_that_is_not_a_bearer_token_is_a_401(
    gateway: Gateway, value: str
) -> None:
    response = gateway.request("GET", "/", headers={"Authorization": value})
    assert "Bearer" in error_of(response, 401, "InvalidToken")


def test_a_token_valid_since_now_passes(gateway: Gateway, keys: Keys, address: Any) -> None:
    token = jwt.encode(_claims(nbf=int(time.time())), keys.private, "RS256")
    path = f"{PREFIX}/v1/models/{API_MODELS[0].name}:predict"
    assert gateway.request("POST", path, token=token, source=address()).status == 200


def test_a_valid_token_passes_and_is_forwarded(
    gateway: Gateway, token: Callable[..., str], address: Any
) -> None:
    model = API_MODELS[0]
    good = token(sub(), "established-user")
    response = gateway.request(
        "POST", f"{PREFIX}/v1/models/{model.name}:predict", token=good, source=address()
    )
    assert response.status == 200, response.body
    assert response.json()["authorization"] == f"Bearer {good}"


def test_the_access_log_names_class_and_subject(
    gateway: Gateway, token: Callable[..., str], address: Any
) -> None:
    user = sub()
    model = API_MODELS[0]
    source = address()
    gateway.request(
        "POST", f"{PREFIX}/v1/models/{model.name}:predict", token=token(user), source=source
    )
    deadline = time.monotonic() + 5
    pattern = (
        rf"client={re.escape(source)} class=authed-user sub={user} model={model.name} refused=- "
        rf'"POST {re.escape(PREFIX)}/v1/models/{model.name}:predict'
    )
    while not re.search(pattern, gateway.log()):
        assert time.monotonic() < deadline, gateway.log()[-2000:]
        time.sleep(0.05)
    assert re.search(rf" 200 \d+ {pattern}", gateway.log())
    gateway.request("GET", "/", token="not-a-jwt", source=source)
    refused = rf"client={re.escape(source)} class=authed-user sub=- model=- refused=token/alg "
    while not re.search(rf" 401 \d+ {refused}", gateway.log()):
        assert time.monotonic() < deadline, gateway.log()[-2000:]
        time.sleep(0.05)


# --- rate limits ------------------------------------------------------------------------------


def burst(gateway: Gateway, count: int, **request: Any) -> tuple[list[int], Any]:
    """``count`` requests on one keep-alive connection, all within one wall-clock second
    (the limits' window); started again (with the caller's fresh identity) otherwise."""
    path = request.pop("path", f"{PREFIX}/v1/models/{API_MODELS[0].name}:predict")
    source = request.pop("source", "127.0.0.1")
    while time.time() % 1 > 0.3:
        time.sleep(0.02)
    start = int(time.time())
    connection = gateway.connection(source)
    statuses, last = [], None
    try:
        for _ in range(count):
            last = gateway.request("POST", path, connection=connection, **request)
            statuses.append(last.status)
    finally:
        connection.close()
    assert int(time.time()) == start, "the burst crossed a second: too slow a machine?"
    return statuses, last


@pytest.mark.parametrize("rate_class", list(TEST_LIMITS))
def test_each_class_has_its_per_second_cap(
    gateway: Gateway, token: Callable[..., str], rate_class: str, address: Any
) -> None:
    cap = TEST_LIMITS[rate_class].per_second
    if rate_class == "anon":
        request: dict[str, Any] = {"source": address()}
    else:
        request = {"token": token(sub(), rate_class), "source": address()}
    statuses, last = burst(gateway, cap + 3, **request)
    assert statuses == [200] * cap + [429] * 3
    message = error_of(last, 429, "RateLimited")
    assert message == f"rate limit of the {rate_class} class exceeded: {cap} requests per second"
    assert last.headers["retry-after"] == "1"
    # The next second, the same client is served again.
    time.sleep(1.05 - time.time() % 1)
    statuses, _ = burst(gateway, 1, **request)
    assert statuses == [200]


@pytest.mark.parametrize("rate_class", ["anon", "authed-user"])
def test_the_demo_renders_production_limits(
    start_gateway: Callable[..., Gateway],
    token: Callable[..., str],
    rate_class: str,
    address: Any,
) -> None:
    """Without overrides (as make demo renders it) the limits are values.yaml's, Lift
    Wing's: 15 and 100 requests per second. (The requests ask for no route: answered by
    the gateway itself, a 404 each, they are fast enough to fit in one second, and they
    count like any other.)"""
    production = start_gateway(rate_limits=render.load().rate_limits)
    cap = render.load().rate_limits[rate_class].per_second
    assert cap == {"anon": 15, "authed-user": 100}[rate_class]
    for _ in range(3):  # a burst must fit in one second; a busy machine may need another
        request: dict[str, Any] = {"source": address(), "path": "/no-route"}
        if rate_class != "anon":
            request["token"] = token(sub(), rate_class)
        try:
            statuses, last = burst(production, cap + 1, **request)
        except AssertionError:
            continue
        assert statuses == [404] * cap + [429]
        assert f"{cap} requests per second" in error_of(last, 429, "RateLimited")
        return
    pytest.fail("no burst of requests fitted in one second")


def test_a_token_without_rlc_is_authed_user(
    gateway: Gateway, token: Callable[..., str], address: Any
) -> None:
    cap = TEST_LIMITS["authed-user"].per_second
    statuses, last = burst(gateway, cap + 1, token=token(sub()), source=address())
    assert statuses == [200] * cap + [429]
    assert "authed-user" in error_of(last, 429, "RateLimited")


def test_tokens_count_per_sub_not_per_address(
    gateway: Gateway, token: Callable[..., str], address: Any
) -> None:
    """One user from two addresses shares one budget; two users from one address do not."""
    cap = TEST_LIMITS["authed-user"].per_second
    user = token(sub(), "authed-user")
    here, there = address(), address()
    while time.time() % 1 > 0.3:
        time.sleep(0.02)
    start = int(time.time())
    first = [gateway.request("GET", "/v3/scores/", token=user, source=here).status]
    statuses = [
        gateway.request("GET", f"{PREFIX}/v3/scores/", token=user, source=source).status
        for source in [here, there] * cap
    ]
    other = gateway.request("GET", f"{PREFIX}/v3/scores/", token=token(sub()), source=here)
    assert int(time.time()) == start
    # the first request is a 404 (no route) and still counts: every request does
    assert first == [404]
    assert statuses == [200] * (cap - 1) + [429] * (cap + 1)
    assert other.status == 200


def test_a_token_without_sub_is_counted_per_address(
    gateway: Gateway, keys: Keys, address: Any
) -> None:
    cap = TEST_LIMITS["authed-user"].per_second
    no_sub = jwt.encode(_claims(sub=None), keys.private, "RS256")
    source = address()
    statuses, _ = burst(gateway, cap + 1, token=no_sub, source=source)
    assert statuses == [200] * cap + [429]
    # a new address, a new budget, with the same token
    statuses, _ = burst(gateway, 1, token=no_sub, source=address())
    assert statuses == [200]


def test_an_hourly_limit(start_gateway: Callable[..., Gateway], address: Any) -> None:
    hourly = start_gateway(
        rate_limits={**TEST_LIMITS, "anon": render.RateLimit(per_second=50, per_hour=5)}
    )
    source = address()
    statuses = [
        hourly.request("GET", f"{PREFIX}/v3/scores/", source=source).status for _ in range(8)
    ]
    assert statuses == [200] * 5 + [429] * 3
    last = hourly.request("GET", f"{PREFIX}/v3/scores/", source=source)
    assert error_of(last, 429, "RateLimited") == (
        "rate limit of the anon class exceeded: 5 requests per hour"
    )
    # until the hour's window ends
    expected = 3600 - int(time.time()) % 3600
    assert abs(int(last.headers["retry-after"]) - expected) <= 2
    # another client is not affected
    assert hourly.request("GET", f"{PREFIX}/v3/scores/", source=address()).status == 200


def test_refused_requests_are_counted_for_operators(
    start_gateway: Callable[..., Gateway], keys: Keys, address: Any
) -> None:
    own = start_gateway()
    statuses, _ = burst(own, TEST_LIMITS["anon"].per_second + 2, source=address())
    assert statuses.count(429) == 2
    own.request("GET", "/", token=BAD_TOKENS["expired"](keys))
    metrics = own.admin("/metrics/gateway")
    limited = re.search(
        r'gateway_refused_requests_total\{reason="rate_limited",class="anon",'
        r'window="second"\} (\d+)',
        metrics,
    )
    expired = re.search(
        r'gateway_refused_requests_total\{reason="invalid_token",detail="expired"\} (\d+)',
        metrics,
    )
    assert limited and expired, metrics
    assert int(limited.group(1)) == 2 and int(expired.group(1)) == 1
    assert "haproxy_frontend_http_requests_total" in own.admin("/metrics")
    assert "front_door" in own.admin("/stats;csv")


# --- the client address -----------------------------------------------------------------------


FORGED = [
    {"X-Client-IP": "10.1.2.3"},
    {"X-Forwarded-For": "10.1.2.3"},
    {"X-Forwarded-For": "10.1.2.3, 10.4.5.6", "X-Client-IP": "10.7.8.9"},
    {"X-Real-IP": "10.1.2.3", "Forwarded": "for=10.1.2.3"},
]


def test_forged_client_address_headers_change_nothing(
    gateway: Gateway, backends: dict[str, Backend], address: Any
) -> None:
    cap = TEST_LIMITS["anon"].per_second
    source = address()
    while time.time() % 1 > 0.3:
        time.sleep(0.02)
    start = int(time.time())
    responses = [
        gateway.request(
            "GET", f"{PREFIX}/v3/scores/", source=source, headers=FORGED[i % len(FORGED)]
        )
        for i in range(cap + 2)
    ]
    assert int(time.time()) == start
    assert [r.status for r in responses] == [200] * cap + [429] * 2
    for response in responses[:cap]:
        assert response.json()["x_client_ip"] == source


def test_a_trusted_proxy_passes_the_client_address(gateway: Gateway, address: Any) -> None:
    """Through the trusted proxy, the last X-Forwarded-For address is the client: each
    client gets its own budget, and the server is told who it is."""
    cap = TEST_LIMITS["anon"].per_second
    while time.time() % 1 > 0.3:
        time.sleep(0.02)
    start = int(time.time())
    first, second = address(), address()
    seen: dict[str, list[Any]] = {first: [], second: []}
    for _ in range(cap):
        for client in (first, second):
            seen[client].append(
                gateway.request(
                    "GET",
                    f"{PREFIX}/v3/scores/",
                    source=TRUSTED_PROXY,
                    headers={"X-Forwarded-For": f"10.9.9.9, {client}", "X-Client-IP": "1.1.1.1"},
                )
            )
    over = gateway.request(
        "GET", f"{PREFIX}/v3/scores/", source=TRUSTED_PROXY, headers={"X-Forwarded-For": first}
    )
    assert int(time.time()) == start
    for client, responses in seen.items():
        assert [r.status for r in responses] == [200] * cap
        assert {r.json()["x_client_ip"] for r in responses} == {client}
    assert over.status == 429


def test_a_trusted_proxy_without_forwarded_for_is_the_client(
    gateway: Gateway,
) -> None:
    response = gateway.request("GET", f"{PREFIX}/v3/scores/", source=TRUSTED_PROXY)
    assert response.status == 200 and response.json()["x_client_ip"] == TRUSTED_PROXY


# --- concurrency ------------------------------------------------------------------------------


def test_concurrent_mixed_requests_do_not_cross_talk(
    gateway: Gateway, token: Callable[..., str], address: Any
) -> None:
    """Clients of every class and route at once: each answer is its own request's, each
    client's budget is its own (a client over its cap gets 429s; the others none)."""
    clients: list[dict[str, Any]] = []
    for rate_class in TEST_LIMITS:
        for _ in range(3):
            user = None if rate_class == "anon" else token(sub(), rate_class)
            clients.append({"class": rate_class, "token": user, "source": address()})
    greedy = {"class": "anon", "token": None, "source": address(), "greedy": True}
    clients.append(greedy)
    results: dict[int, list[tuple[str, Any]]] = {i: [] for i in range(len(clients))}
    barrier = threading.Barrier(len(clients))

    def run(index: int) -> None:
        client = clients[index]
        count = 20 if client.get("greedy") else TEST_LIMITS[client["class"]].per_second - 1
        models = API_MODELS if index % 2 else [m for m in REVSCORING if m in API_MODELS]
        barrier.wait()
        connection = gateway.connection(client["source"])
        try:
            for n in range(count):
                model = models[(index + n) % len(models)]
                body = json.dumps({"client": index, "n": n}).encode()
                if n % 3 == 2 and not client.get("greedy"):
                    path = f"/v1/models/{model.name}:predict"
                    host = f"{model.name}.{model.namespace}.wikimedia.org"
                else:
                    path, host = f"{PREFIX}/v1/models/{model.name}:predict", None
                response = gateway.request(
                    "POST",
                    path,
                    host=host,
                    body=body,
                    token=client["token"],
                    connection=connection,
                )
                results[index].append((model.name, body.decode(), response))
        finally:
            connection.close()

    while time.time() % 1 > 0.2:
        time.sleep(0.02)
    start = int(time.time())
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    crossed = int(time.time()) != start
    for index, client in enumerate(clients):
        if client.get("greedy"):
            statuses = [response.status for _, _, response in results[index]]
            assert statuses.count(200) >= TEST_LIMITS["anon"].per_second
            assert 429 in statuses
            continue
        for name, body, response in results[index]:
            assert response.status == 200, (client, response.body)
            seen = response.json()
            assert seen["body"] == body
            assert seen["path"] == f"/v1/models/{name}:predict"
            assert seen["x_client_ip"] == client["source"]
            assert seen["authorization"] == (
                None if client["token"] is None else f"Bearer {client['token']}"
            )
    if not crossed:
        greedy_statuses = [response.status for _, _, response in results[len(clients) - 1]]
        assert greedy_statuses.count(200) == TEST_LIMITS["anon"].per_second


# --- the renderer -----------------------------------------------------------------------------


def test_the_demo_command_line_renders_a_valid_configuration(
    keys: Keys, tmp_path: Any, capsys: Any
) -> None:
    """As scripts/demo.py calls it: production limits, one backend per demo server."""
    out = tmp_path / "demo"
    argv = ["--out", str(out), "--public-key", str(keys.public_path)]  # -c binds nothing
    for image, port in (
        ("revscoring", 8080),
        ("outlink-transformer", 8081),
        ("outlink-predictor", 8082),
        ("revert-risk", 8083),
    ):
        argv.append(f"--backend={image}=127.0.0.1:{port}")
    assert render.main(argv) == 0
    assert capsys.readouterr().out.strip() == str(out / "haproxy.cfg")
    check = subprocess.run(
        [haproxy_or_skip(), "-c", "-f", str(out / "haproxy.cfg")], capture_output=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    hosts = dict(line.split() for line in (out / "hosts.map").read_text().splitlines())
    assert hosts == {CONFIG.discovery_host(model): model.name for model in CONFIG.models}
    api = dict(line.split() for line in (out / "api.map").read_text().splitlines())
    assert set(api) == {model.name for model in API_MODELS}


def test_a_door_in_front_of_some_servers_only(
    start_gateway: Callable[..., Gateway], backends: dict[str, Backend], address: Any
) -> None:
    """Without the ORES server (here: only revert-risk's), the rest is served and the ORES
    route and the other models are JSON 404s."""
    model = next(m for m in OTHERS if m.image == "revert-risk")
    gateway = start_gateway(backends={model.image: backends[model.image].address})
    served = gateway.request(
        "POST", f"{PREFIX}/v1/models/{model.name}:predict", body=b"{}", source=address()
    )
    assert served.status == 200 and served.json()["server"] == model.image
    ores = gateway.request("GET", f"{PREFIX}/v3/scores/enwiki/?revids=1", source=address())
    error_of(ores, 404, "NotFound")
    unrouted = gateway.request(
        "POST", f"{PREFIX}/v1/models/{REVSCORING[0].name}:predict", source=address()
    )
    error_of(unrouted, 404, "ModelNotFound")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"trusted_proxies": ("10.0.0.300",)}, "does not appear to be"),
        ({"rate_limits": {"authed-user": render.RateLimit(1, 1)}}, "has no rate limits"),
        ({"rate_limits": {**TEST_LIMITS, "anon": render.RateLimit(0, 10)}}, "bad rate-limit"),
        ({"issuer": "https://meta.wikimedia.org' evil"}, "quote"),
    ],
)
def test_the_renderer_refuses_a_bad_configuration(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render.load(**overrides)
