"""The ORES v3 API on the revscoring server, over the same engine as ``:predict``.

- ``GET /v3/scores/``: the wikis and models served, with versions;
- ``GET|POST /v3/scores/{wiki}/?models=damaging|goodfaith&revids=1|2|3`` (at most
  :data:`MAX_REVIDS` revids), ``/v3/scores/{wiki}/{rev_id}/``,
  ``/v3/scores/{wiki}/{rev_id}/{model}/``;
- every path is answered directly with or without its trailing slash (ORES' canonical
  form has it; a redirect would name the server's own host, not the gateway's);
- ``features`` (ORES: present, with no value) or ``features=true`` adds feature values
  (and bypasses the score cache), ``model_info=version|statistics.roc_auc|...`` chooses
  what is said about each model (on ``/v3/scores/`` too; :mod:`.model_info`);
- ``POST /v3/precache`` with a revision-create event scores it for every model of its
  wiki, so that the first client call is a cache hit.

Parameters come from the query string, or from a POST body (form or JSON).
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request

from inference_common.api_docs import error_responses
from inference_common.errors import InvalidInput, ModelNotFound
from inference_common.events import parse_event
from inference_common.inputs import MAX_REV_ID, decode_body

from .engine import ScoringEngine
from .model_info import FIELDS as MODEL_INFO_FIELDS
from .model_info import parse_query
from .ores_format import VERSION_ONLY, OresResponse, model_info, ores_response
from .scoring import ServedModel

MAX_REVIDS = 50
# The router's requests run models: they count against MAX_CONCURRENT_REQUESTS like
# :predict, under this metrics label (inference_common.app.build_app's inference_routes).
INFERENCE_ROUTES = {"/v3/": "ores"}
# The body /v3/precache takes (documented, and quoted by a 405 to a GET).
PRECACHE_EXAMPLE = {
    "$schema": "/mediawiki/revision/create/1.1.0",
    "meta": {"domain": "en.wikipedia.org", "stream": "mediawiki.revision-create"},
    "database": "enwiki",
    "rev_id": 123456,
    "rev_parent_id": 123455,
    "page_id": 42,
    "page_title": "Example",
    "page_namespace": 0,
}
Handler = Callable[..., Awaitable[dict[str, Any]]]
ERROR_RESPONSES = error_responses(400, 404, 503)
# Read by hand from the query string or a POST body (see _params); declared for the docs.
QUERY_PARAMETERS = [
    {
        "name": "models",
        "in": "query",
        "description": "Model names separated by '|' (default: every model of the wiki)",
        "schema": {"type": "string"},
        "example": "damaging|goodfaith",
    },
    {
        "name": "revids",
        "in": "query",
        "description": f"Revision ids separated by '|' (at most {MAX_REVIDS})",
        "schema": {"type": "string"},
    },
    {
        "name": "features",
        "in": "query",
        "description": "Add the feature values (present without a value, or 'true')",
        "schema": {"type": "string"},
    },
    {
        "name": "model_info",
        "in": "query",
        "description": "What to say about each model, paths separated by '|', as ORES "
        "answered them (revscoring's ModelInfo.format): "
        + ", ".join(MODEL_INFO_FIELDS)
        + ", or a path below one, e.g. statistics.roc_auc or "
        'statistics.thresholds.true."maximum recall @ precision >= 0.9" '
        "(default: version; given without a value: everything)",
        "schema": {"type": "string"},
        "example": "version|statistics.roc_auc",
    },
]


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        body = await request.body()
        if body.strip():
            if body.lstrip().startswith(b"{"):
                decoded = decode_body(body)
                params.update({k: _as_param(v) for k, v in decoded.items()})
            else:
                form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                params.update({k: v[-1] for k, v in form.items()})
    return params


def _as_param(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _flag(params: dict[str, str], name: str) -> bool:
    """Absent: false. Present without a value (ORES' ``?features``): true."""
    if name not in params:
        return False
    value = params[name].lower()
    if value in ("false", "0", "no"):
        return False
    if value in ("", "true", "1", "yes"):
        return True
    raise InvalidInput(f"{name} must be true or false, got {value[:20]!r}")


def _rev_ids(raw: str) -> list[int]:
    parts = [part.strip() for part in raw.split("|") if part.strip()]
    if not parts:
        raise InvalidInput("revids is empty")
    if len(parts) > MAX_REVIDS:
        raise InvalidInput(f"at most {MAX_REVIDS} revids per request, got {len(parts)}")
    ids = []
    for part in parts:
        # ASCII digits only: str.isdigit() is also true of "²" (int() then fails: a 500)
        # and of other scripts' digits
        if not (part.isascii() and part.isdigit()) or not 0 < int(part) <= MAX_REV_ID:
            raise InvalidInput(
                f"revids must be positive integers separated by '|', got {part[:20]!r}"
            )
        ids.append(int(part))
    return list(dict.fromkeys(ids))


def build_router(engine: ScoringEngine) -> APIRouter:
    router = APIRouter(prefix="/v3", tags=["ORES v3"])

    def wiki_models(wiki: str, names: str | None) -> list[ServedModel]:
        served = engine.wikis().get(wiki, [])
        failed = engine.failed_in(wiki)
        if not served and not failed:
            raise ModelNotFound(f"no models are served for wiki {wiki[:40]!r}")
        if not names:
            if not served:
                raise next(iter(failed.values())).error()
            return served
        by_type = {model.model_type.name: model for model in served}
        chosen = []
        for name in dict.fromkeys(n for n in names.split("|") if n):
            if name in failed:
                raise failed[name].error()
            if name not in by_type:
                raise ModelNotFound(
                    f"model {name[:40]!r} is not served for {wiki} (served: {', '.join(by_type)})"
                )
            chosen.append(by_type[name])
        return chosen

    def with_unavailable(
        wiki: str, described: dict[str, dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """A listing of ``wiki``'s models: the loaded ones described, the ones that could
        not be loaded with the error they answer."""
        for type_name, failed in engine.failed_in(wiki).items():
            described.setdefault(type_name, {"error": failed.error().to_dict()})
        return described

    async def infos(
        by_wiki: dict[str, list[ServedModel]], params: dict[str, str]
    ) -> dict[str, dict[str, Any]]:
        """``{wiki: {model type: model_info}}`` for the ``model_info`` parameter, formatted
        off the event loop (statistics can be large); a path revscoring cannot answer is
        InvalidInput."""
        query = parse_query(params.get("model_info"))

        def describe() -> dict[str, dict[str, Any]]:
            return {
                wiki: {model.model_type.name: model_info(model, query) for model in models}
                for wiki, models in by_wiki.items()
            }

        if query == VERSION_ONLY:
            return describe()
        return await asyncio.to_thread(describe)

    async def score(
        request: Request, wiki: str, rev_ids: list[int] | None, names: str | None
    ) -> dict[str, Any]:
        params = await _params(request)
        models = wiki_models(wiki, names or params.get("models"))
        if rev_ids is None and "revids" in params:
            rev_ids = _rev_ids(params["revids"])
        features = _flag(params, "features")
        described = (await infos({wiki: models}, params))[wiki]
        if not rev_ids:
            if not (names or params.get("models")):
                described = with_unavailable(wiki, described)
            return {wiki: {"models": described}}
        results = await engine.score(wiki, models, rev_ids, features=features)
        return ores_response(wiki, models, results, infos=described)

    def route(path: str, methods: list[str], summary: str) -> Callable[[Handler], Handler]:
        """``path`` with and without its trailing slash, both answered directly: a redirect
        would name the server's own host, which behind a gateway is not the client's."""

        def register(handler: Handler) -> Handler:
            documented = {
                "summary": summary,
                "responses": {200: {"model": OresResponse}, **ERROR_RESPONSES},
                "openapi_extra": {"parameters": QUERY_PARAMETERS},
            }
            router.api_route(path + "/", methods=methods, **documented)(handler)
            router.api_route(path, methods=methods, include_in_schema=False)(handler)
            return handler

        return register

    @route("/scores", ["GET"], "The wikis served, with each model's info")
    async def all_wikis(request: Request) -> dict[str, Any]:
        described = await infos(engine.wikis(), await _params(request))
        wikis = sorted({*described, *(m.wiki for m in engine.failed.values() if m.type_name)})
        return {wiki: {"models": with_unavailable(wiki, described.get(wiki, {}))} for wiki in wikis}

    @route("/scores/{wiki}", ["GET", "POST"], "Score revisions with models of a wiki")
    async def wiki_scores(request: Request, wiki: str) -> dict[str, Any]:
        return await score(request, wiki, None, None)

    @route("/scores/{wiki}/{rev_id}", ["GET", "POST"], "Score one revision with models of a wiki")
    async def revision_scores(request: Request, wiki: str, rev_id: str) -> dict[str, Any]:
        return await score(request, wiki, _rev_ids(rev_id), None)

    @route("/scores/{wiki}/{rev_id}/{model}", ["GET", "POST"], "Score one revision, one model")
    async def model_score(request: Request, wiki: str, rev_id: str, model: str) -> dict[str, Any]:
        return await score(request, wiki, _rev_ids(rev_id), model)

    example = {"requestBody": {"content": {"application/json": {"example": PRECACHE_EXAMPLE}}}}

    @router.post("/precache/", include_in_schema=False, openapi_extra=example)
    @router.post(
        "/precache",
        summary="Score a revision-create event with every model of its wiki (warms the cache)",
        responses={200: {"model": OresResponse}, **ERROR_RESPONSES},
        openapi_extra=example,
    )
    async def precache(request: Request) -> dict[str, Any]:
        body = decode_body(await request.body())
        event = parse_event(body.get("event", body))
        models = wiki_models(event.wiki_id, None)
        results = await engine.score(event.wiki_id, models, [event.rev_id])
        return ores_response(event.wiki_id, models, results)

    return router


__all__ = ["build_router", "INFERENCE_ROUTES", "MAX_REVIDS"]
