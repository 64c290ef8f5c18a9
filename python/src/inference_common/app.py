"""The KServe application of every server, on KServe 0.13 and on 0.21 alike.

:func:`build_app` builds KServe's own REST routes (V1/V2 protocol, health, metrics) for the
given models and adds what every server here needs: the data plane that hands models the
raw body (:mod:`.dataplane`), the one error format (:mod:`.errors`), ``/docs``
(:mod:`.api_docs`), 405 on POST-only routes (:mod:`.post_only`), the request middleware
(:mod:`.middleware`: request ids, access log, metrics, the limits of a request) and the one
startup/shutdown (:mod:`.lifespan`).
"""

from __future__ import annotations

from typing import Mapping, Sequence

from fastapi import APIRouter, FastAPI
from kserve.model_repository import ModelRepository
from kserve.protocol.dataplane import DataPlane
from kserve.protocol.model_repository_extension import ModelRepositoryExtension

from . import api_docs, post_only
from .dataplane import JsonDataPlane
from .errors import install_handlers
from .lifespan import lifespan
from .middleware import RequestMiddleware
from .model import JsonModel
from .resources import SharedResources
from .settings import ServerSettings


def kserve_app(dataplane: DataPlane, extension: ModelRepositoryExtension) -> FastAPI:
    """KServe's REST routes on a new application. KServe 0.13's ``RESTServer`` makes the
    application; newer KServe registers its routes on an application of the caller's
    (its ``RESTServer`` uses one module-level application, so it cannot make two)."""
    try:
        from kserve.protocol.rest.v1_endpoints import register_v1_endpoints
        from kserve.protocol.rest.v2_endpoints import register_v2_endpoints
    except ImportError:  # KServe 0.13
        from kserve.protocol.rest.server import RESTServer

        return RESTServer(dataplane, extension).create_application()
    from kserve.protocol.rest.server import metrics_handler

    app = FastAPI(docs_url=None, redoc_url=None)
    app.add_api_route("/", dataplane.live, methods=["GET"])
    app.add_api_route("/metrics", metrics_handler, methods=["GET"])
    register_v1_endpoints(app, dataplane, extension)
    register_v2_endpoints(app, dataplane, extension)
    return app


def build_app(
    models: Sequence[JsonModel],
    settings: ServerSettings,
    *,
    routers: Sequence[APIRouter] = (),
    inference_routes: Mapping[str, str] | None = None,
    resources: SharedResources | None = None,
) -> FastAPI:
    """KServe's application for ``models`` and a service's own ``routers``, with this
    project's errors and middleware. ``inference_routes`` (path prefix -> metrics label)
    names the routers' paths that run models: they count against
    ``MAX_CONCURRENT_REQUESTS`` like ``:predict``. Startup and shutdown are
    :func:`~.lifespan.lifespan`'s."""
    repository = ModelRepository()
    for model in models:
        repository.update(model)
    app = kserve_app(
        JsonDataPlane(model_registry=repository),
        ModelRepositoryExtension(model_registry=repository),
    )
    app.title = "inference-services: " + ", ".join(model.name for model in models)
    app.router.redirect_slashes = False  # a redirect would name this pod's host, not the client's
    api_docs.install(app, models)
    for router in routers:
        app.include_router(router)
    post_only.install(app, models)
    install_handlers(app)
    app.add_middleware(
        RequestMiddleware,
        max_request_bytes=settings.max_request_bytes,
        max_concurrent_requests=settings.max_concurrent_requests,
        inference_routes=inference_routes,
        body_read_timeout=settings.body_read_timeout,
        drain_bytes=settings.rejected_body_drain_bytes,
        drain_seconds=settings.rejected_body_drain_seconds,
    )
    app.router.lifespan_context = lambda _app: lifespan(models, resources)
    return app
