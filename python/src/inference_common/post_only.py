"""POST-only routes answer every other method with 405, ``Allow: POST`` and a message
saying what to send.

Without this, ``GET /v1/models/enwiki-damaging:predict?rev_id=1`` (the ORES habit of
putting the request in the URL) matches KServe's ``GET /v1/models/{model_name}`` and
answers a misleading 404 ``Model with name enwiki-damaging:predict does not exist``.
:func:`install` puts, in front of every route of the app that takes only POST, a route
that matches the same path with any other method and answers ``MethodNotAllowed`` with
the body to POST: for a model's ``:predict``, the model's documented example
(:meth:`~inference_common.model.JsonModel.predict_doc`) with the values of any query
parameters of the same names; for other routes, the ``example`` of their documented JSON
request body (``openapi_extra``), if they have one.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from .errors import MethodNotAllowed, error_response

if TYPE_CHECKING:
    from .model import JsonModel

PREDICT_PATHS = ("/v1/models/{model_name}:predict", "/v1/models/{model_name}:explain")


class _OtherMethods(Route):
    """Matches its path with any method but POST (POST goes on to the real route)."""

    def __init__(self, path: str, endpoint: Any) -> None:
        super().__init__(path, endpoint, include_in_schema=False)
        self.methods = None  # any method (Starlette's default for a function is GET)

    def matches(self, scope: Any) -> tuple[Match, Any]:
        if scope["type"] == "http" and scope["method"] == "POST":
            return Match.NONE, {}
        return super().matches(scope)


def install(app: FastAPI, models: Sequence[JsonModel]) -> None:
    """Answer 405 on every POST-only route of ``app`` for every other method."""
    examples = {model.name: _first_example(model) for model in models}
    guards = [
        _OtherMethods(route.path, _answer(route, examples))
        for route in _routes(app)
        if isinstance(route, APIRoute) and route.methods == {"POST"}
    ]
    app.router.routes[:0] = guards


def _routes(app: FastAPI) -> Iterable[Any]:
    """Every route of ``app``, included routers' too. FastAPI 0.109 (KServe 0.13) copies an
    included router's routes into the app; newer FastAPI keeps the router, whose routes
    ``iter_route_contexts`` lists."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return app.routes
    return [context.original_route for context in iter_route_contexts(app.routes)]


def _answer(route: APIRoute, examples: dict[str, dict[str, Any] | None]) -> Any:
    documented = _documented_example(route)

    async def method_not_allowed(request: Request) -> Response:
        path = request.url.path
        if route.path in PREDICT_PATHS:
            example = examples.get(request.path_params.get("model_name", ""))
            example = _with_query_values(example, request) if example is not None else None
        else:
            example = documented
        message = f"{request.method} is not allowed here: POST the request as a JSON body"
        if example is not None:
            body = json.dumps(example, ensure_ascii=False)
            message += f", e.g. curl -X POST {path} -H 'Content-Type: application/json' -d '{body}'"
        if request.query_params:
            message += " (query parameters are not read)"
        return error_response(MethodNotAllowed(message, allow="POST"))

    return method_not_allowed


def _first_example(model: JsonModel) -> dict[str, Any] | None:
    examples = model.predict_doc().examples
    first = next(iter(examples.values()), None)
    return first if isinstance(first, dict) else None


def _documented_example(route: APIRoute) -> Any:
    body = (route.openapi_extra or {}).get("requestBody", {})
    return body.get("content", {}).get("application/json", {}).get("example")


def _with_query_values(example: dict[str, Any], request: Request) -> dict[str, Any]:
    """``example`` with the values of the query parameters it has a field for (numbers and
    booleans as such: ``?rev_id=647`` gives ``{"rev_id": 647}``, ``?lang=en`` ``"en"``)."""
    body = dict(example)
    for name, value in request.query_params.items():
        if name in body:
            body[name] = _json_value(value)
    return body


_NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,17})?")


def _json_value(text: str) -> Any:
    if _NUMBER.fullmatch(text):
        return json.loads(text)
    return {"true": True, "false": False}.get(text, text)


__all__ = ["install"]
