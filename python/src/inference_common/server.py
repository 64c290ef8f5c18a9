"""The ``serve`` entry point of every server: what a service's builder returns
(:class:`Service`), how uvicorn runs the app (:func:`uvicorn_config`) and :func:`serve`."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import uvicorn
from fastapi import APIRouter

from .app import build_app
from .errors import ModelLoadError
from .log import configure_logging
from .model import JsonModel
from .protocol import timed_protocol
from .resources import SharedResources
from .settings import ServerSettings

logger = logging.getLogger(__name__)


@dataclass
class Service:
    """What a service's builder returns to :func:`serve`: its models, extra routers and
    the path prefixes of the routers' inference routes (path prefix -> metrics label,
    see :func:`~.app.build_app`), built on the :class:`SharedResources` it was given."""

    models: Sequence[JsonModel]
    routers: Sequence[APIRouter] = ()
    inference_routes: Mapping[str, str] = field(default_factory=dict)


def uvicorn_config(app: Any, settings: ServerSettings, *, host: str = "0.0.0.0") -> uvicorn.Config:
    """How every server runs ``app``: on ``settings.http_port``, with the time limit on
    request headers (:mod:`.protocol`), uvicorn's own logs and access log off (ours are in
    the middleware)."""
    return uvicorn.Config(
        app,
        host=host,
        port=settings.http_port,
        http=timed_protocol(settings.header_read_timeout),
        log_config=None,
        access_log=False,
    )


def serve(
    build: Callable[[SharedResources], Service],
    settings: ServerSettings,
) -> None:
    """Configure logging, create the process's :class:`SharedResources`, build the service
    on them and load its models (a load failure exits with one line), and serve HTTP on
    ``settings.http_port`` until SIGTERM/SIGINT."""
    configure_logging(settings.log_level)
    resources = SharedResources(settings)
    try:
        service = build(resources)
        for model in service.models:
            if not model.ready:
                model.load()
    except ModelLoadError as error:
        print(f"startup error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    app = build_app(
        service.models,
        settings,
        routers=service.routers,
        inference_routes=service.inference_routes,
        resources=resources,
    )
    logger.info(
        "serving %s on port %d",
        ", ".join(model.name for model in service.models),
        settings.http_port,
    )
    uvicorn.Server(uvicorn_config(app, settings)).run()
