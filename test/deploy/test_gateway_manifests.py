"""The front door's cluster manifests (deploy/manifests/gateway/, rendered by
deploy/render_gateway.py from deploy/values.yaml), checked structurally: no Istio or Envoy
runs here. Routes name real InferenceServices, the experimental namespace stays off the
API gateway, tokens are checked as the local HAProxy checks them, and the rate-limit
descriptors are the classes of values.yaml: the route actions are evaluated against the
descriptors for each kind of client."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import kubeschema
from deploylib import REPO

DEPLOY = REPO / "deploy"
OUT = DEPLOY / "manifests" / "gateway"
VALUES = yaml.safe_load((DEPLOY / "values.yaml").read_text())
GATEWAY = VALUES["gateway"]


def load_render() -> Any:
    spec = importlib.util.spec_from_file_location("render_gateway", DEPLOY / "render_gateway.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def objects() -> list[dict[str, Any]]:
    return [
        obj for path in sorted(OUT.glob("*.yaml")) for obj in kubeschema.load_all(path.read_text())
    ]


def one(kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def inference_services() -> dict[tuple[str, str], dict[str, Any]]:
    """(name, namespace) -> the InferenceService manifest of each model (not the
    consolidated catalogue server, the other shape of the same models)."""
    found = {}
    for path in (DEPLOY / "manifests").glob("*.yaml"):
        for obj in kubeschema.load_all(path.read_text()):
            if obj["kind"] == "InferenceService" and not serves_catalogue(obj):
                found[(obj["metadata"]["name"], obj["metadata"]["namespace"])] = obj
    return found


def serves_catalogue(isvc: dict[str, Any]) -> bool:
    env = isvc["spec"]["predictor"]["containers"][0].get("env", [])
    return any(var["name"] == "MODELS_DIR" for var in env)


def test_manifests_are_rendered_from_values() -> None:
    on_disk = {path.name: path.read_text() for path in OUT.glob("*.yaml")}
    assert on_disk == load_render().render(), "run: python3 deploy/render_gateway.py"


def test_the_expected_objects() -> None:
    kinds = sorted((o["apiVersion"], o["kind"]) for o in objects())
    assert kinds == sorted(
        [
            ("networking.istio.io/v1beta1", "Gateway"),
            ("networking.istio.io/v1beta1", "VirtualService"),
            ("networking.istio.io/v1beta1", "VirtualService"),
            ("security.istio.io/v1beta1", "RequestAuthentication"),
            ("security.istio.io/v1beta1", "AuthorizationPolicy"),
            ("networking.istio.io/v1alpha3", "EnvoyFilter"),
            ("v1", "ConfigMap"),
            ("apps/v1", "Deployment"),
            ("apps/v1", "Deployment"),
            ("v1", "Service"),
            ("v1", "Service"),
        ]
    )
    for obj in objects():
        assert kubeschema.check_object_meta(obj["metadata"]) == [], obj["metadata"]
        assert set(obj) == {
            "apiVersion",
            "kind",
            "metadata",
            "data" if obj["kind"] == "ConfigMap" else "spec",
        }
        if obj["kind"] in ("Deployment", "Service"):
            assert kubeschema.check_builtin(obj) == [], obj["metadata"]["name"]


def _destinations(route: dict[str, Any]) -> tuple[str, str]:
    """(name, namespace) of the InferenceService a route's authority names."""
    authority = route["rewrite"]["authority"]
    match = re.fullmatch(r"([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local", authority)
    assert match, authority
    (destination,) = route["route"]
    assert destination["destination"]["host"].startswith("knative-local-gateway.")
    return match.group(1), match.group(2)


def _not_found_last(routes: list[dict[str, Any]], error_type: str) -> None:
    *_, last = routes
    assert "match" not in last and last["directResponse"]["status"] == 404
    body = json.loads(last["directResponse"]["body"]["string"])
    assert set(body) == {"error"} and body["error"]["type"] == error_type
    assert all("directResponse" not in route for route in routes[:-1])


def test_the_gateway_serves_both_hosts_over_tls() -> None:
    gateway = one("Gateway", "inference-gateway")
    (server,) = gateway["spec"]["servers"]
    assert server["port"]["protocol"] == "HTTPS" and server["tls"]["mode"] == "SIMPLE"
    assert server["hosts"] == [GATEWAY["api_host"], f"*.{GATEWAY['discovery_domain']}"]
    for name in ("api-gateway", "discovery"):
        service = one("VirtualService", name)
        assert service["spec"]["gateways"] == ["istio-system/inference-gateway"]
        assert set(service["spec"]["hosts"]) <= set(server["hosts"])


def test_api_gateway_routes_every_model_but_the_experimental_ones() -> None:
    service = one("VirtualService", "api-gateway")
    routes = service["spec"]["http"]
    _not_found_last(routes, "NotFound")
    isvcs = inference_services()
    prefix = GATEWAY["api_prefix"]
    predicted = {}
    for route in routes[:-1]:
        target = _destinations(route)
        assert target in isvcs, target
        name, namespace = target
        assert namespace != GATEWAY["experimental_namespace"]
        uris = [match["uri"] for match in route["match"]]
        if route["name"].endswith("-ores"):
            wiki, _, model_type = name.partition("-")
            (match,) = route["match"]
            assert match["uri"] == {"prefix": f"{prefix}/v3/scores/{wiki}/"}
            assert match["queryParams"] == {"models": {"exact": model_type}}
            assert route["rewrite"]["uri"] == f"/v3/scores/{wiki}/"
        else:
            assert {"exact": f"{prefix}/v1/models/{name}:predict"} in uris
            assert route["rewrite"]["uri"] == f"/v1/models/{name}:predict"
            predicted[name] = namespace
    expected = {
        name: namespace
        for name, namespace in isvcs
        if namespace != GATEWAY["experimental_namespace"]
    }
    assert predicted == expected
    assert any(ns == GATEWAY["experimental_namespace"] for _, ns in isvcs)


def test_discovery_routes_every_model_by_host_and_path() -> None:
    service = one("VirtualService", "discovery")
    assert service["spec"]["hosts"] == [f"*.{GATEWAY['discovery_domain']}"]
    routes = service["spec"]["http"]
    _not_found_last(routes, "ModelNotFound")
    routed = set()
    for route in routes[:-1]:
        name, namespace = _destinations(route)
        host = f"{name}.{namespace}.{GATEWAY['discovery_domain']}"
        for match in route["match"]:
            pattern = re.compile(match["authority"]["regex"])
            assert pattern.match(host) and pattern.match(host + ":30443")
            # the wrong namespace, or another model, does not match
            assert not pattern.match(f"{name}.other-namespace.{GATEWAY['discovery_domain']}")
            assert not pattern.match(host.replace(".", "x", 1))
            if not route["name"].endswith("-ores"):
                assert match["uri"]["exact"] in (
                    f"/v1/models/{name}:predict",
                    f"/v1/models/{name}",
                )
        routed.add((name, namespace))
    assert routed == set(inference_services())


def test_tokens_are_checked_as_the_local_gateway_checks_them() -> None:
    authentication = one("RequestAuthentication", "inference-gateway-jwt")
    (rule,) = authentication["spec"]["jwtRules"]
    assert rule["issuer"] == GATEWAY["issuer"]
    assert rule["jwksUri"].startswith("https://")
    claims = {item["claim"]: item["header"] for item in rule["outputClaimToHeaders"]}
    assert claims == {GATEWAY["class_claim"]: "x-gateway-class", "sub": "x-gateway-sub"}
    policy = one("AuthorizationPolicy", "inference-gateway-tokens")
    assert policy["spec"]["action"] == "DENY"
    assert policy["spec"]["selector"] == authentication["spec"]["selector"]
    (deny,) = policy["spec"]["rules"]
    assert deny["from"] == [{"source": {"notRequestPrincipals": ["*"]}}]
    assert deny["when"] == [{"key": "request.headers[authorization]", "values": ["*"]}]


# --- the rate limits ----------------------------------------------------------------------------


def ratelimit_config() -> dict[str, Any]:
    config_map = one("ConfigMap", "ratelimit-config")
    return yaml.safe_load(config_map["data"]["config.yaml"])


def envoy_filter() -> dict[str, Any]:
    return one("EnvoyFilter", "inference-gateway-ratelimit")


def _limit_for(config: dict[str, Any], descriptor: list[tuple[str, str]]) -> Any:
    """What envoyproxy/ratelimit finds for a descriptor (a list of key/value entries): the
    tree is walked by key and value (a node without a value matches any value)."""
    nodes = config["descriptors"]
    node = None
    for key, value in descriptor:
        candidates = [n for n in nodes if n["key"] == key and n.get("value") in (value, None)]
        exact = [n for n in candidates if n.get("value") == value]
        if not (exact or candidates):
            return None
        node = (exact or candidates)[0]
        nodes = node.get("descriptors", [])
    return node.get("rate_limit") if node else None


def _header_matches(matcher: dict[str, Any], headers: dict[str, str]) -> bool:
    name = matcher["name"]
    if "present_match" in matcher:
        result = (name in headers) == matcher["present_match"]
    else:
        result = name in headers and headers[name] == matcher["string_match"]["exact"]
        if matcher.get("invert_match"):
            result = not result
    return result


def descriptors_sent(headers: dict[str, str], address: str) -> list[list[tuple[str, str]]]:
    """Envoy's rate-limit actions of the gateway for a request with these headers (after
    the Lua filter and the JWT filter): one descriptor per entry whose actions all apply."""
    (patch,) = [
        p for p in envoy_filter()["spec"]["configPatches"] if p["applyTo"] == "VIRTUAL_HOST"
    ]
    sent = []
    for entry in patch["patch"]["value"]["rate_limits"]:
        descriptor: list[tuple[str, str]] | None = []
        for action in entry["actions"]:
            assert descriptor is not None
            ((kind, spec),) = action.items()
            if kind == "generic_key":
                descriptor.append((spec["descriptor_key"], spec["descriptor_value"]))
            elif kind == "header_value_match":
                if all(_header_matches(m, headers) for m in spec["headers"]):
                    descriptor.append((spec["descriptor_key"], spec["descriptor_value"]))
                else:
                    descriptor = None
            elif kind == "request_headers":
                if spec["header_name"] in headers:
                    descriptor.append((spec["descriptor_key"], headers[spec["header_name"]]))
                else:
                    descriptor = None
            elif kind == "remote_address":
                descriptor.append(("remote_address", address))
            else:
                raise AssertionError(f"unknown action {kind}")
            if descriptor is None:
                break
        if descriptor is not None:
            sent.append(descriptor)
    return sent


CLIENTS = {
    # name: (headers after authentication, rate-limit class, counted per)
    "anonymous": ({}, "anon", "remote_address"),
    "token without rlc": (
        {"authorization": "Bearer x", "x-gateway-sub": "alice"},
        "authed-user",
        "sub",
    ),
    "authed-user": (
        {"authorization": "Bearer x", "x-gateway-class": "authed-user", "x-gateway-sub": "bob"},
        "authed-user",
        "sub",
    ),
    "established-user": (
        {
            "authorization": "Bearer x",
            "x-gateway-class": "established-user",
            "x-gateway-sub": "carol",
        },
        "established-user",
        "sub",
    ),
    "established-user without sub": (
        {"authorization": "Bearer x", "x-gateway-class": "established-user"},
        "established-user",
        "remote_address",
    ),
}


@pytest.mark.parametrize("client", CLIENTS)
def test_each_client_gets_its_class_limits_per_second_and_per_hour(client: str) -> None:
    """The descriptors the gateway sends for a client find exactly its class's limits of
    values.yaml (those HAProxy enforces locally), once per window, counted per sub or per
    client address."""
    headers, rate_class, who = CLIENTS[client]
    sent = descriptors_sent(headers, "192.0.2.7")
    limits = {}
    for descriptor in sent:
        limit = _limit_for(ratelimit_config(), descriptor)
        assert limit is not None, descriptor
        keys = dict(descriptor)
        assert keys["class"] == rate_class and who in keys, descriptor
        assert keys[who] == (headers.get("x-gateway-sub") if who == "sub" else "192.0.2.7")
        limits[keys["window"]] = (limit["unit"], limit["requests_per_unit"])
    expected = GATEWAY["rate_limits"][rate_class]
    assert limits == {
        "second": ("second", expected["per_second"]),
        "hour": ("hour", expected["per_hour"]),
    }


def test_descriptors_are_the_classes_of_values() -> None:
    config = ratelimit_config()
    assert config["domain"] == GATEWAY["ratelimit"]["domain"]
    found = {}
    for window in config["descriptors"]:
        assert window["key"] == "window"
        for rate_class in window["descriptors"]:
            for who in rate_class["descriptors"]:
                limit = who["rate_limit"]
                assert limit["unit"] == window["value"]
                found[(window["value"], rate_class["value"], who["key"])] = limit[
                    "requests_per_unit"
                ]
    expected = {}
    for name, limit in GATEWAY["rate_limits"].items():
        whos = (
            ["remote_address"] if name == GATEWAY["anonymous_class"] else ["sub", "remote_address"]
        )
        for window in ("second", "hour"):
            for who in whos:
                expected[(window, name, who)] = limit[f"per_{window}"]
    assert found == expected


def test_a_clients_own_class_headers_are_removed_before_authentication() -> None:
    patches = envoy_filter()["spec"]["configPatches"]
    (lua,) = [p for p in patches if p["patch"]["value"].get("name") == "envoy.filters.http.lua"]
    assert lua["patch"]["operation"] == "INSERT_BEFORE"
    assert lua["match"]["listener"]["filterChain"]["filter"]["subFilter"]["name"] == (
        "envoy.filters.http.jwt_authn"
    )
    code = lua["patch"]["value"]["typed_config"]["inlineCode"]
    for header in ("x-gateway-class", "x-gateway-sub"):
        assert f'remove("{header}")' in code


def test_the_rate_limit_service_is_wired() -> None:
    patches = envoy_filter()["spec"]["configPatches"]
    (filter_patch,) = [
        p for p in patches if p["patch"]["value"].get("name") == "envoy.filters.http.ratelimit"
    ]
    typed = filter_patch["patch"]["value"]["typed_config"]
    assert typed["domain"] == ratelimit_config()["domain"]
    cluster = typed["rate_limit_service"]["grpc_service"]["envoy_grpc"]["cluster_name"]
    service = one("Service", "ratelimit")
    (port,) = service["spec"]["ports"]
    assert cluster == (
        f"outbound|{port['port']}||ratelimit.{service['metadata']['namespace']}.svc.cluster.local"
    )
    deployment = one("Deployment", "ratelimit")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert port["targetPort"] in [p["containerPort"] for p in container["ports"]]
    env = {item["name"]: item["value"] for item in container["env"]}
    redis = one("Service", "ratelimit-redis")
    (redis_port,) = redis["spec"]["ports"]
    assert env["REDIS_URL"] == (
        f"ratelimit-redis.{redis['metadata']['namespace']}.svc.cluster.local:{redis_port['port']}"
    )
    # the descriptors are mounted where the service reads them
    (mount,) = container["volumeMounts"]
    assert mount["mountPath"] == f"{env['RUNTIME_ROOT']}/{env['RUNTIME_SUBDIRECTORY']}/config"
    (volume,) = deployment["spec"]["template"]["spec"]["volumes"]
    assert volume["configMap"]["name"] == "ratelimit-config"


def test_a_changed_limit_changes_the_descriptors(tmp_path: Path) -> None:
    values = copy.deepcopy(VALUES)
    values["gateway"]["rate_limits"]["anon"]["per_second"] = 3
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    rendered = load_render().render(path)
    config_map = next(
        o for o in yaml.safe_load_all(rendered["ratelimit.yaml"]) if o["kind"] == "ConfigMap"
    )
    config = yaml.safe_load(config_map["data"]["config.yaml"])
    assert _limit_for(
        config, [("window", "second"), ("class", "anon"), ("remote_address", "a")]
    ) == {
        "unit": "second",
        "requests_per_unit": 3,
    }
