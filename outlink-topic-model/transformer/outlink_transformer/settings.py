"""Settings of the transformer server (environment variables in capitals)."""

from __future__ import annotations

from pydantic import Field

from inference_common.settings import ServerSettings

PREDICTION_CHANGE_STREAM = "mediawiki.page_outlink_topic_prediction_change.v1"


class TransformerSettings(ServerSettings):
    """:class:`ServerSettings` (``WIKI_URL``, ``EVENTGATE_URL``, ``HTTP_PORT``, ...) plus
    where the predictor is. ``--predictor_host`` on the command line overrides
    ``PREDICTOR_HOST``."""

    inference_name: str = Field(
        "outlink-topic-model",
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="The model name in the URL, and the name the predictor is called by.",
    )
    predictor_host: str | None = Field(
        None,
        max_length=300,
        pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$",
        description="host[:port] of the predictor, as KServe passes it. Required unless the "
        "predictor runs in the same process (the one-process shape).",
    )
    predictor_use_ssl: bool = Field(False, description="https instead of http to the predictor.")
    predictor_timeout: float = Field(
        10.0, gt=0, le=600, description="Seconds to wait for the predictor's answer."
    )
    max_outlinks: int = Field(1000, ge=1, le=10_000, description="Outlinks read per page.")
    outlink_cache_size: int = Field(
        10_000,
        ge=0,
        le=10_000_000,
        description="Pages whose outlinks are kept, by latest revision (0: none kept).",
    )
    outlink_cache_ttl: float = Field(
        600.0,
        gt=0,
        le=86_400,
        description="Seconds a page's kept outlinks serve (a linked page's new Wikidata id "
        "is seen after this at the latest; an edit of the page itself at once).",
    )
    eventgate_stream: str | None = Field(
        PREDICTION_CHANGE_STREAM, description="Stream of the prediction change events."
    )
    events_model_name: str = Field(
        "outlink-topic-model", description="model_name in prediction change events."
    )
