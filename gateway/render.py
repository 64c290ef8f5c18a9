"""Render the front door's HAProxy configuration from deploy/values.yaml.

    python gateway/render.py --out DIR --public-key PEM \\
        --backend revscoring=127.0.0.1:8080 --backend outlink-transformer=127.0.0.1:8081 \\
        --backend revert-risk=127.0.0.1:8083 [--bind 127.0.0.1:8000] [--limit anon=15/50000]

writes ``DIR/haproxy.cfg`` and the maps it reads (``hosts.map``: discovery host -> model,
``api.map``: model -> backend on the API gateway, ``backends.map``: model -> backend), then
``haproxy -f DIR/haproxy.cfg`` serves. The models, their namespaces and images, the issuer
and the rate-limit classes come from the ``inference_services`` and ``gateway`` sections of
deploy/values.yaml (the table that also renders the KServe and Istio manifests); only the
addresses of the servers (``--backend IMAGE=HOST:PORT``, one per image: a model with a
transformer is served by its transformer; a model whose image has none is not routed: 404)
and local overrides come from the command line.
Error bodies are the project's shape, made from ``inference_common.errors``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from inference_common.errors import (
    HTTPError,
    InvalidToken,
    ModelNotFound,
    ModelServerError,
    RateLimited,
)

ROOT = Path(__file__).resolve().parents[1]
VALUES = ROOT / "deploy" / "values.yaml"
JWT_ALG = "RS256"
HEALTH_PATH = "/healthz"
READY_PATH = "/v2/health/ready"  # every model server's readiness (KServe v2)
SECOND, HOUR = "second", "hour"


@dataclass(frozen=True)
class RateLimit:
    per_second: int
    per_hour: int


@dataclass(frozen=True)
class Model:
    name: str
    namespace: str
    image: str  # the image that answers its requests (the transformer of a pair)


@dataclass(frozen=True)
class Gateway:
    """Everything the configuration says, read once from values.yaml (+ overrides)."""

    models: tuple[Model, ...]
    issuer: str
    discovery_domain: str
    api_prefix: str
    experimental_namespace: str
    ores_image: str
    class_claim: str
    anonymous_class: str
    token_class: str
    rate_limits: dict[str, RateLimit]
    trusted_proxies: tuple[str, ...]
    backends: dict[str, str] = field(default_factory=dict)  # image -> host:port
    public_key: str = ""
    bind: str = "127.0.0.1:8000"
    admin_bind: str = "127.0.0.1:8404"  # /stats, /metrics, /metrics/gateway
    table_size: str = "100k"
    server_timeout: str = "60s"

    def discovery_host(self, model: Model) -> str:
        return f"{model.name}.{model.namespace}.{self.discovery_domain}"

    def on_api_gateway(self, model: Model) -> bool:
        return model.namespace != self.experimental_namespace


def load(values_path: Path = VALUES, **overrides: Any) -> Gateway:
    values = yaml.safe_load(values_path.read_text())
    gateway = values["gateway"]
    models = tuple(
        Model(
            name=service["name"],
            namespace=service["namespace"],
            image=service.get("transformer", service["predictor"])["image"],
        )
        for service in values["inference_services"]
        # the consolidated catalogue server (MODELS_DIR) is the other shape of the same
        # models (deploy/README.md, "One server or one per model"), not a model of its own
        if "MODELS_DIR" not in service["predictor"].get("env", {})
    )
    config = Gateway(
        models=models,
        issuer=gateway["issuer"],
        discovery_domain=gateway["discovery_domain"],
        api_prefix=gateway["api_prefix"].rstrip("/"),
        experimental_namespace=gateway["experimental_namespace"],
        ores_image=gateway["ores_image"],
        class_claim=gateway["class_claim"],
        anonymous_class=gateway["anonymous_class"],
        token_class=gateway["token_class"],
        rate_limits={
            name: RateLimit(int(limit["per_second"]), int(limit["per_hour"]))
            for name, limit in gateway["rate_limits"].items()
        },
        trusted_proxies=tuple(gateway.get("trusted_proxies") or ()),
    )
    config = replace(config, **overrides)
    check(config)
    return config


NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check(config: Gateway) -> None:
    """Refuse what would make a wrong or unsafe configuration."""
    names = [model.name for model in config.models]
    if len(names) != len(set(names)):
        raise ValueError(f"a model is listed twice: {names}")
    for model in config.models:
        if not (NAME.match(model.name) and NAME.match(model.namespace)):
            raise ValueError(f"not a DNS label: {model}")
    for name in (config.anonymous_class, config.token_class):
        if name not in config.rate_limits:
            raise ValueError(f"class {name!r} has no rate limits")
    for name, limit in config.rate_limits.items():
        if not NAME.match(name) or limit.per_second < 1 or limit.per_hour < 1:
            raise ValueError(f"bad rate-limit class {name}: {limit}")
    for proxy in config.trusted_proxies:
        ipaddress.ip_network(proxy)  # raises on a typo
    for text in (config.issuer, config.public_key):
        if any(char in text for char in "'\"\\ \n"):
            raise ValueError(f"quote, backslash or space in {text!r}")


def backend_name(image: str) -> str:
    return "be_" + image.replace("-", "_")


def _body(error: ModelServerError) -> str:
    """The JSON error body, as a single-quoted HAProxy string (no variables in it)."""
    text = json.dumps({"error": error.to_dict()}, separators=(",", ":"))
    if "'" in text:
        raise ValueError(f"a quote in an error body: {text}")
    return f"'{text}'"


def _return(error: ModelServerError, condition: str, headers: str = "") -> str:
    return (
        f"    http-request return status {error.status} content-type application/json "
        f"string {_body(error)}{headers} if {condition}"
    )


# Why a bearer token is refused, in the order it is checked: the first that applies.
TOKEN_CHECKS = (
    ("alg", "!{{ var(txn.token),jwt_header_query('$.alg') -m str {alg} }}"),
    ("signature", "!{{ var(txn.jwt_verified) -m int eq 1 }}"),
    ("expired", "!{{ var(txn.token_ttl) -m int gt 0 }}"),
    ("not-yet-valid", "{{ var(txn.token_early) -m int gt 0 }}"),
    ("issuer", "!{{ var(txn.token),jwt_payload_query('$.iss') -m str {issuer} }}"),
    ("class", "!{{ var(txn.class) -m str {classes} }}"),
)


def token_messages(config: Gateway) -> dict[str, str]:
    return {
        "scheme": "the Authorization header must be: Bearer <token>",
        "alg": f"the bearer token must be a JWT signed with {JWT_ALG}",
        "signature": "the signature of the bearer token does not verify",
        "expired": "the bearer token has expired (or has no exp claim)",
        "not-yet-valid": "the bearer token is not valid yet (nbf)",
        "issuer": f"the bearer token was not issued by {config.issuer}",
        "class": f"the {config.class_claim} claim of the bearer token names no rate-limit class",
    }


def haproxy_cfg(config: Gateway, out: Path) -> str:
    """The configuration text; the maps and key it names are in ``out``."""
    token_classes = [name for name in config.rate_limits if name != config.anonymous_class]
    prefix = re.escape(config.api_prefix)
    lines = [
        "# Generated by gateway/render.py from deploy/values.yaml: edit those, not this.",
        "global",
        "    log stdout format raw local0",
        "    tune.ssl.default-dh-param 2048",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option http-keep-alive",
        "    timeout connect 3s",
        "    timeout client 30s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 10s",
        f"    timeout server {config.server_timeout}",
    ]
    # HAProxy's own answers (no server up, a server timing out, a malformed request) in the
    # project's JSON shape too.
    for status in (400, 403, 405, 408, 500, 502, 503, 504):
        lines.append(
            f"    http-error status {status} content-type application/json "
            f"string {_body(HTTPError(_HAPROXY_ERRORS[status], status=status))}"
        )
    lines += [
        "",
        "# Rate-limit counters: one entry per class, client and window (fixed windows: the",
        "# second or the hour is part of the key), gpc0 = requests in that window.",
        "backend rl_second",
        f"    stick-table type string len 200 size {config.table_size} expire 2s store gpc0",
        "backend rl_hour",
        f"    stick-table type string len 200 size {config.table_size} expire 3601s store gpc0",
        "# Refused requests by reason (limited/<class>/<window>, token/<reason>, ...).",
        "# Tokens whose signature verified (SHA-256 of the whole token): jwt_verify, an RSA",
        "# verification, once per token and 10 minutes, not per request. exp, iss and the",
        "# class are checked on every request.",
        "backend jwt_verified",
        f"    stick-table type binary len 32 size {config.table_size} expire 10m store gpc0",
        "backend gw_refused",
        "    stick-table type string len 64 size 1k store http_req_cnt",
        "",
        "frontend front_door",
        f"    bind {config.bind}",
        "    option forwardfor",
        '    log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B'
        " client=%[var(txn.client)] class=%[var(txn.class)] sub=%[var(txn.sub)]"
        ' model=%[var(txn.model)] refused=%[var(txn.refused)] %{+Q}r"',
        "    http-request set-var(txn.now) date",
        "",
        "    # The front door's own health: which backends have a server up.",
        "    http-request return status 200 content-type application/json lf-string "
        + _health(config)
        + f" if {{ path {HEALTH_PATH} }}",
        "",
        "    # The client's address: the TCP peer's, unless the peer is a trusted proxy; then the",
        "    # last address of X-Forwarded-For (the one that proxy added). Never X-Client-IP.",
    ]
    if config.trusted_proxies:
        lines.append(f"    acl from_trusted_proxy src {' '.join(config.trusted_proxies)}")
    else:
        lines.append("    acl from_trusted_proxy always_false")
    lines += [
        "    http-request set-var(txn.client) src",
        "    http-request set-var(txn.client) req.hdr_ip(x-forwarded-for,-1)"
        " if from_trusted_proxy { req.hdr_ip(x-forwarded-for,-1) -m found }",
        "    http-request set-header X-Client-IP %[var(txn.client)]",
        "",
        "    # Bearer tokens: RS256 JWTs signed by the configured key, of the configured",
        "    # issuer, not expired. Any other token is refused (401), never treated as anonymous.",
        "    acl has_token var(txn.token) -m found",
        "    http-request set-var(txn.token) http_auth_bearer",
        "    http-request set-var(txn.refused) str(token/scheme)"
        " if { req.hdr(authorization) -m found } !has_token",
        "    http-request set-var(txn.token_digest) var(txn.token),digest(sha256) if has_token",
        "    acl token_seen var(txn.token_digest),table_gpc0(jwt_verified) -m int gt 0",
        "    http-request set-var(txn.jwt_verified) int(1) if has_token token_seen",
        f'    http-request set-var(txn.jwt_verified) var(txn.token),jwt_verify("{JWT_ALG}",'
        f'"{config.public_key}") if has_token !token_seen',
        "    http-request set-var(txn.token_ttl)"
        " var(txn.token),jwt_payload_query('$.exp','int'),sub(txn.now) if has_token",
        "    http-request set-var(txn.token_early)"
        " var(txn.token),jwt_payload_query('$.nbf','int'),sub(txn.now) if has_token",
        "    http-request set-var(txn.class)"
        f" var(txn.token),jwt_payload_query('$.{config.class_claim}') if has_token",
        f"    http-request set-var(txn.class) str({config.token_class})"
        " if has_token !{ var(txn.class) -m found }",
        f"    http-request set-var(txn.class) str({config.anonymous_class}) unless has_token",
    ]
    for reason, condition in TOKEN_CHECKS:
        condition = condition.format(
            alg=JWT_ALG, issuer=config.issuer, classes=" ".join(token_classes)
        )
        lines.append(
            f"    http-request set-var(txn.refused) str(token/{reason})"
            f" if has_token !{{ var(txn.refused) -m found }} {condition}"
        )
    lines += [
        "    http-request set-var(txn.sub) var(txn.token),jwt_payload_query('$.sub')"
        " if has_token !{ var(txn.refused) -m found }",
        "",
        "    # Rate limits, counted per class and token subject (else client address), in fixed",
        "    # windows of one second and one hour; only requests let through the per-second",
        "    # limit count towards the hour.",
        "    http-request set-var(txn.who) var(txn.client),concat(ip:,,)",
        "    http-request set-var(txn.who) var(txn.sub),concat(sub:,,)"
        " if { var(txn.sub) -m len gt 0 }",
        "    http-request set-var(txn.hour) var(txn.now),div(3600)",
        "    http-request set-var(txn.rl_second)"
        " var(txn.class),concat(|,txn.who,|),concat(,txn.now,)",
        "    http-request set-var(txn.rl_hour)"
        " var(txn.class),concat(|,txn.who,|h),concat(,txn.hour,)",
        "    acl refused var(txn.refused) -m found",
        "    http-request track-sc0 var(txn.rl_second) table rl_second unless refused",
        "    http-request set-var(txn.n_second) sc_inc_gpc0(0) unless refused",
    ]
    for name, limit in config.rate_limits.items():
        lines.append(
            f"    http-request set-var(txn.refused) str(limited/{name}/{SECOND})"
            f" if !refused {{ var(txn.class) -m str {name} }}"
            f" {{ var(txn.n_second) -m int gt {limit.per_second} }}"
        )
    lines += [
        "    http-request track-sc1 var(txn.rl_hour) table rl_hour unless refused",
        "    http-request set-var(txn.n_hour) sc_inc_gpc0(1) unless refused",
    ]
    for name, limit in config.rate_limits.items():
        lines.append(
            f"    http-request set-var(txn.refused) str(limited/{name}/{HOUR})"
            f" if !refused {{ var(txn.class) -m str {name} }}"
            f" {{ var(txn.n_hour) -m int gt {limit.per_hour} }}"
        )
    lines += [
        "    http-request track-sc2 var(txn.refused) table gw_refused if refused",
        "    # A token accepted for the first time: remembered (sc2 is free: not refused).",
        "    http-request track-sc2 var(txn.token_digest) table jwt_verified"
        " if has_token !refused !token_seen",
        "    http-request sc-inc-gpc0(2) if has_token !refused !token_seen",
        "    http-request set-var(txn.into_hour) var(txn.now),mod(3600)",
        "    http-request set-var(txn.retry_hour) int(3600),sub(txn.into_hour)",
        "",
    ]
    messages = token_messages(config)
    for reason in ("scheme", *(reason for reason, _ in TOKEN_CHECKS)):
        lines.append(
            _return(
                InvalidToken(messages[reason]),
                f"{{ var(txn.refused) -m str token/{reason} }}",
                " hdr WWW-Authenticate 'Bearer error=\"invalid_token\"'",
            )
        )
    for name, limit in config.rate_limits.items():
        for window, count, retry in (
            (SECOND, limit.per_second, "1"),
            (HOUR, limit.per_hour, "%[var(txn.retry_hour)]"),
        ):
            error = RateLimited(
                f"rate limit of the {name} class exceeded: {count} requests per {window}"
            )
            lines.append(
                _return(
                    error,
                    f"{{ var(txn.refused) -m str limited/{name}/{window} }}",
                    f' hdr Retry-After "{retry}"',
                )
            )
    lines += [
        "",
        "    # Routes. API gateway: {prefix}/v1/models/{model}:predict (not the experimental",
        "    # namespace) and {prefix}/v3/scores/... (ORES v3), the prefix removed. Discovery:",
        "    # Host {model}.{namespace}.{domain} with /v1/models/{model}:predict (the same",
        "    # model), or /v3/scores/... when that model's server answers ORES v3.",
        f"    acl api_form path_beg {config.api_prefix}/",
        f"    acl api_predict path_reg ^{prefix}/v1/models/[^/:]+(:predict)?$",
        f"    acl api_ores path_reg ^{prefix}/v3/scores(/.*)?$",
        "    acl discovery_predict path_reg ^/v1/models/[^/:]+(:predict)?$",
        "    acl discovery_ores path_reg ^/v3/scores(/.*)?$",
        f"    http-request set-var(txn.model) path,field({4 + config.api_prefix.count('/')},/),"
        "field(1,:) if api_predict",
        f"    http-request set-var(txn.backend) var(txn.model),map({out / 'api.map'})"
        " if api_predict",
        # (FALSE: HAProxy's predefined ACL; without the ORES server the route is a 404)
        f"    http-request set-var(txn.backend) str({backend_name(config.ores_image)})"
        + (" if api_ores" if config.ores_image in config.backends else " if FALSE"),
        f"    http-request set-var(txn.host_model) req.hdr(host),field(1,:),lower,"
        f"map({out / 'hosts.map'}) unless api_form",
        "    http-request set-var(txn.model) path,field(4,/),field(1,:) if discovery_predict"
        " !api_form",
        f"    http-request set-var(txn.backend) var(txn.host_model),map({out / 'backends.map'})"
        " if discovery_predict !api_form { var(txn.model),strcmp(txn.host_model) eq 0 }",
        f"    http-request set-var(txn.backend) var(txn.host_model),map({out / 'backends.map'})"
        " if discovery_ores !api_form",
        f"    http-request unset-var(txn.backend) if discovery_ores !api_form"
        f" !{{ var(txn.backend) -m str {backend_name(config.ores_image)} }}",
        "    acl routed var(txn.backend) -m found",
        _return(
            ModelNotFound(
                "no such model on the API gateway (models of the "
                f"{config.experimental_namespace} namespace are served on the discovery "
                "endpoint only)"
            ),
            "api_predict !routed",
        ),
        _return(
            ModelNotFound(
                "the Host header names no served model ({model}.{namespace}."
                f"{config.discovery_domain}), or the path names another model"
            ),
            "!api_form discovery_predict !routed",
        ),
        _return(
            HTTPError(
                f"no route: use {config.api_prefix}/v1/models/{{model}}:predict, "
                f"{config.api_prefix}/v3/scores/, or Host {{model}}.{{namespace}}."
                f"{config.discovery_domain} with /v1/models/{{model}}:predict",
                status=404,
            ),
            "!routed",
        ),
        f"    http-request replace-path ^{prefix}(/.*)$ \\1 if api_form",
        "    use_backend %[var(txn.backend)]",
        "",
    ]
    for image in served_images(config):
        address = config.backends[image]
        lines += [
            f"backend {backend_name(image)}",
            f"    option httpchk GET {READY_PATH}",
            "    http-check expect status 200",
            f"    server {image} {address} check inter 2s fall 2 rise 1",
            "",
        ]
    lines += [
        "# Operators: HAProxy's stats page, Prometheus metrics, and the refused requests.",
        "frontend admin",
        f"    bind {config.admin_bind}",
        "    no log",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "    http-request return status 200 content-type text/plain lf-string "
        + _refused_metrics(config)
        + " if { path /metrics/gateway }",
        "    stats enable",
        "    stats uri /stats",
        "    stats refresh 10s",
        "",
    ]
    return "\n".join(lines)


_HAPROXY_ERRORS = {
    400: "the request is not valid HTTP",
    403: "forbidden",
    405: "method not allowed",
    408: "the request did not arrive in time",
    500: "internal error in the front door",
    502: "the model server gave an invalid answer",
    503: "no model server is available for this model",
    504: "the model server did not answer in time",
}


def served_images(config: Gateway) -> list[str]:
    """The images a backend is rendered for: those serving a model, and ORES v3's."""
    images = {model.image for model in config.models} | {config.ores_image}
    return sorted(image for image in images if image in config.backends)


def _health(config: Gateway) -> str:
    images = served_images(config)
    backends = ",".join(f'\\"{image}\\":%[nbsrv({backend_name(image)})]' for image in images)
    return f'"{{\\"status\\":\\"ok\\",\\"servers_up\\":{{{backends}}}}}"'


def refused_reasons(config: Gateway) -> list[str]:
    return [f"token/{reason}" for reason in token_messages(config)] + [
        f"limited/{name}/{window}" for name in config.rate_limits for window in (SECOND, HOUR)
    ]


def _refused_metrics(config: Gateway) -> str:
    """Prometheus text: refused requests by reason, read from the gw_refused table."""
    lines = [
        "# TYPE gateway_refused_requests_total counter",
    ]
    for reason in refused_reasons(config):
        kind, _, rest = reason.partition("/")
        if kind == "token":
            labels = f'reason=\\"invalid_token\\",detail=\\"{rest}\\"'
        else:
            name, _, window = rest.partition("/")
            labels = f'reason=\\"rate_limited\\",class=\\"{name}\\",window=\\"{window}\\"'
        lines.append(
            f"gateway_refused_requests_total{{{labels}}} "
            f"%[str({reason}),table_http_req_cnt(gw_refused)]"
        )
    return '"' + "\\n".join(lines) + '\\n"'


def routed_models(config: Gateway) -> list[Model]:
    """The models whose image has a backend address (the others are 404s)."""
    return [model for model in config.models if model.image in config.backends]


def maps(config: Gateway) -> dict[str, str]:
    """hosts.map (discovery host -> model), backends.map (model -> backend), api.map (the
    same for the models the API gateway exposes)."""
    models = routed_models(config)
    hosts = [f"{config.discovery_host(model)} {model.name}" for model in models]
    backends = [f"{model.name} {backend_name(model.image)}" for model in models]
    api = [
        f"{model.name} {backend_name(model.image)}"
        for model in models
        if config.on_api_gateway(model)
    ]
    return {
        "hosts.map": "\n".join(hosts) + "\n",
        "backends.map": "\n".join(backends) + "\n",
        "api.map": "\n".join(api) + "\n",
    }


def render(config: Gateway, out: Path) -> Path:
    """Write the configuration and its maps into ``out``; return the configuration's path."""
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name, text in maps(config).items():
        (out / name).write_text(text)
    path = out / "haproxy.cfg"
    path.write_text(haproxy_cfg(config, out))
    return path


def _limit(text: str) -> tuple[str, RateLimit]:
    name, _, numbers = text.partition("=")
    second, _, hour = numbers.partition("/")
    return name, RateLimit(int(second), int(hour))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--public-key", type=Path, required=True, help="PEM of the token key")
    parser.add_argument(
        "--backend", action="append", default=[], help="IMAGE=HOST:PORT", required=True
    )
    parser.add_argument("--bind", default="127.0.0.1:8000")
    parser.add_argument("--admin-bind", default="127.0.0.1:8404")
    parser.add_argument("--limit", action="append", default=[], help="CLASS=SECOND/HOUR")
    parser.add_argument("--trusted-proxy", action="append", default=None)
    parser.add_argument("--values", type=Path, default=VALUES)
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {
        "backends": dict(item.split("=", 1) for item in args.backend),
        "public_key": str(args.public_key.resolve()),
        "bind": args.bind,
        "admin_bind": args.admin_bind,
    }
    if args.trusted_proxy is not None:
        overrides["trusted_proxies"] = tuple(args.trusted_proxy)
    config = load(args.values, **overrides)
    if args.limit:
        config = replace(
            config, rate_limits={**config.rate_limits, **dict(map(_limit, args.limit))}
        )
        check(config)
    for model in config.models:
        if model not in routed_models(config):
            print(f"not routed (no --backend for {model.image}): {model.name}", file=sys.stderr)
    print(render(config, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
