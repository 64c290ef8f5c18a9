"""Settings of the revert-risk server (environment variables in capitals)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from inference_common.settings import ServerSettings

DEFAULT_INFERENCE_NAME = "revertrisk-language-agnostic"


class RevertRiskSettings(ServerSettings):
    """The shared settings, with this service's defaults and its batch limit."""

    inference_name: str = Field(
        DEFAULT_INFERENCE_NAME,
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="The model name in the URL: /v1/models/{INFERENCE_NAME}:predict",
    )
    model_path: Path = Field(
        Path("/mnt/models/model.txt"),
        description="The LightGBM model file; metadata.json sits beside it.",
    )
    max_batch_size: int = Field(
        20,
        ge=1,
        le=50,
        description="Most revisions in one request's 'instances' (50 fit one API call).",
    )
    eventgate_stream: str | None = Field(
        "mediawiki.page_revert_risk_prediction_change.rc0",
        description="Stream of the prediction_classification_change events.",
    )
