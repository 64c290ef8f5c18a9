"""The HTTP metrics of every server (Prometheus, on KServe's ``/metrics``), labelled by a
small fixed set of route kinds: paths themselves would let clients grow the metrics."""

from __future__ import annotations

from typing import Mapping

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "inference_http_requests_total", "HTTP requests by route kind and status", ["kind", "status"]
)
LATENCY = Histogram(
    "inference_http_request_seconds",
    "HTTP request latency by route kind",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REJECTED = Counter(
    "inference_http_rejected_total", "Requests refused before reaching a model", ["reason"]
)

PREDICT = "predict"
STATUS = "status"
OTHER = "other"


def route_kind(method: str, path: str, inference_routes: Mapping[str, str] | None = None) -> str:
    """The metrics label of a request: ``predict`` (KServe's ``:predict`` and ``:explain``),
    the kind a service gave its own inference routes by path prefix (``inference_routes``,
    e.g. revscoring's ``{"/v3/": "ores"}``), ``status`` (health, model status, metrics) or
    ``other``."""
    if method == "POST" and path.endswith((":predict", ":explain")):
        return PREDICT
    for prefix, kind in (inference_routes or {}).items():
        if path.startswith(prefix):
            return kind
    if path.startswith("/v2/health") or path in ("/", "/metrics") or path.startswith("/v1/models"):
        return STATUS
    return OTHER


def is_inference(kind: str) -> bool:
    """Whether requests of this kind count against the in-flight limit (they run models)."""
    return kind not in (STATUS, OTHER)
