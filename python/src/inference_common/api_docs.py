"""Browsable API docs: ``/docs`` on every server, with no CDN.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN, which fails offline and inside a
cluster. :func:`install` serves Swagger UI from the installed ``swagger-ui-bundle-v2``
package (under ``/docs/assets/``) over the app's ``/openapi.json``, and documents each
served model's ``POST /v1/models/{name}:predict`` as its own operation, with the request
schema, examples and response schema the model declares in
:meth:`~inference_common.model.JsonModel.predict_doc` (KServe's route itself is generic).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from starlette.staticfiles import StaticFiles

if TYPE_CHECKING:
    from .model import JsonModel

GENERIC_PREDICT = "/v1/models/{model_name}:predict"


class ErrorBody(BaseModel):
    type: str
    message: str


class ErrorResponse(BaseModel):
    """Every error answer (see :mod:`inference_common.errors`)."""

    error: ErrorBody


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses=`` entries for these error statuses, in the one error shape."""
    reasons = {
        400: "Invalid input",
        404: "Unknown model, wiki, revision or page",
        410: "The revision's text or user is deleted",
        413: "Request body too large",
        502: "The upstream (MediaWiki) failed",
        503: "Overloaded: retry shortly",
    }
    return {s: {"model": ErrorResponse, "description": reasons.get(s, "Error")} for s in statuses}


@dataclass(frozen=True)
class PredictDoc:
    """How one model's ``:predict`` is documented: a summary, a description, the request
    body and response models (pydantic, for their JSON schema only: nothing is validated
    against them) and named request examples."""

    summary: str
    description: str = ""
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    examples: dict[str, Any] = field(default_factory=dict)
    error_statuses: tuple[int, ...] = (400, 404, 413, 503)


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    """Put ``model``'s JSON schema (and the schemas it refers to) in ``components``."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def predict_operation(name: str, doc: PredictDoc, components: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI operation of ``POST /v1/models/{name}:predict``."""
    body: dict[str, Any] = {
        "schema": _schema_ref(doc.request, components) if doc.request else {"type": "object"}
    }
    if doc.examples:
        body["examples"] = {key: {"value": value} for key, value in doc.examples.items()}
    responses: dict[str, Any] = {
        "200": {
            "description": "The prediction",
            "content": {
                "application/json": {
                    "schema": (
                        _schema_ref(doc.response, components)
                        if doc.response
                        else {"type": "object"}
                    )
                }
            },
        }
    }
    error = _schema_ref(ErrorResponse, components)
    for status, entry in error_responses(*doc.error_statuses).items():
        responses[str(status)] = {
            "description": entry["description"],
            "content": {"application/json": {"schema": error}},
        }
    return {
        "tags": ["predict"],
        "summary": doc.summary,
        "description": doc.description,
        "operationId": "predict_" + "".join(c if c.isalnum() else "_" for c in name),
        "requestBody": {"required": True, "content": {"application/json": body}},
        "responses": responses,
    }


def document_models(schema: dict[str, Any], models: Sequence[JsonModel]) -> dict[str, Any]:
    """Replace the generic ``:predict`` path of ``schema`` with one path per model."""
    paths = schema.setdefault("paths", {})
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    generic = paths.pop(GENERIC_PREDICT, None)
    for model in models:
        operation = predict_operation(model.name, model.predict_doc(), components)
        paths[f"/v1/models/{model.name}:predict"] = {"post": operation}
    if not models and generic is not None:
        paths[GENERIC_PREDICT] = generic
    # the page lists the models first, then the service's own routes, then KServe's
    seen = [t for ops in paths.values() for op in ops.values() for t in op.get("tags", [])]
    order = {"predict": 0, "V1": 2, "V2": 2}
    names = sorted(dict.fromkeys(seen), key=lambda name: order.get(name, 1))
    schema["tags"] = [{"name": name} for name in names]
    return schema


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: {openapi_url},
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
</script>
</body>
</html>
"""


def install(app: FastAPI, models: Sequence[JsonModel]) -> None:
    """Serve ``/docs`` (Swagger UI from the installed package) and document ``models``."""
    from swagger_ui_bundle import swagger_ui_path  # its import reads the package's files

    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    async def docs_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(
            _PAGE.format(
                title=html.escape(app.title),
                assets=f"{root}/docs/assets",
                openapi_url=json.dumps(f"{root}{app.openapi_url}"),
            )
        )

    for path in ("/docs", "/docs/"):
        app.add_api_route(path, docs_page, methods=["GET"], include_in_schema=False)

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_models(generate(), models)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = [
    "ErrorBody",
    "ErrorResponse",
    "PredictDoc",
    "document_models",
    "error_responses",
    "install",
]
