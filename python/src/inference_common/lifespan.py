"""The one startup and shutdown of a server process."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator, Sequence

from .model import JsonModel
from .resources import SharedResources


@asynccontextmanager
async def lifespan(
    models: Sequence[JsonModel], resources: SharedResources | None = None
) -> AsyncIterator[None]:
    """The shared resources start once, then each model; at exit the models stop, then the
    resources close once. :func:`~inference_common.app.build_app` makes it the app's
    lifespan; tests driving the app in process enter it themselves."""
    if resources is not None:
        await resources.startup()
    try:
        for model in models:
            await model.startup()
        try:
            yield
        finally:
            for model in models:
                await model.shutdown()
    finally:
        if resources is not None:
            await resources.shutdown()
