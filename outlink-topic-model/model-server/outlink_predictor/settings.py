"""Settings of the predictor server (environment variables in capitals)."""

from __future__ import annotations

from pydantic import Field

from inference_common.settings import ServerSettings


class PredictorSettings(ServerSettings):
    """:class:`ServerSettings` (``MODEL_PATH``, ``HTTP_PORT``, ...) plus the model version."""

    inference_name: str = Field(
        "outlink-topic-model",
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="The model name in the URL; the transformer calls the same name.",
    )
    model_version: str | None = Field(
        None,
        max_length=100,
        description="Reported in every response (and so in events). Unset: the first 12 "
        "hex digits of the model file's SHA-256.",
    )
