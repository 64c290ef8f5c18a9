"""Typed server settings, read from the environment once at start.

Every server has one settings object: :class:`ServerSettings` or a subclass of it that
adds the service's own fields. :func:`load_settings` builds it; a bad or missing value
stops the server with one line that names the variable::

    configuration error: HTTP_TIMEOUT: Input should be greater than 0 (got '-1')
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, HttpUrl, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class ServerSettings(BaseSettings):
    """Settings that every model server understands (environment variables in capitals)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    inference_name: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="The model name in the URL: /v1/models/{INFERENCE_NAME}:predict",
    )
    model_path: Path = Field(Path("/mnt/models/model.bin"), description="The model file.")
    wiki_url: HttpUrl | None = Field(
        None,
        description="Base URL of the MediaWiki API endpoint (e.g. an internal gateway). "
        "Unset: https://{wiki host}.",
    )
    wiki_api_path: str = Field("/w/api.php", pattern=r"^/[\w./-]*$")
    http_timeout: float = Field(10.0, gt=0, le=300, description="Seconds per upstream call.")
    http_connect_timeout: float = Field(3.0, gt=0, le=60)
    http_retries: int = Field(2, ge=0, le=10, description="Retries of transient failures.")
    http_max_retry_after: float = Field(
        5.0, ge=0, le=60, description="Longest Retry-After (seconds) honoured before giving up."
    )
    eventgate_url: HttpUrl | None = Field(None, description="Where events are posted.")
    eventgate_stream: str | None = Field(None, description="Stream name of emitted events.")
    eventgate_token: SecretStr | None = Field(None, description="Bearer token for EventGate.")
    user_agent: str = Field(
        "inference-services/0.1 (https://github.com/inference-services; ml@example.org)",
        min_length=5,
        description="User-Agent of upstream calls, per Wikimedia's User-Agent policy.",
    )
    log_level: LogLevel = "INFO"
    http_port: int = Field(8080, ge=1, le=65535)
    process_pool_workers: int = Field(
        0, ge=0, le=64, description="Processes for CPU-bound work; 0 runs it in-process."
    )
    max_request_bytes: int = Field(1_048_576, ge=1024, description="Larger request bodies get 413.")
    max_concurrent_requests: int = Field(
        64,
        ge=1,
        description="Inference requests in flight (body fully received) beyond this get a "
        "fast 503.",
    )
    header_read_timeout: float = Field(
        10.0,
        gt=0,
        le=300,
        description="Seconds from a connection's start (or its previous answer) until a "
        "request's headers must have arrived; then 408 and close (close if nothing came).",
    )
    body_read_timeout: float = Field(
        10.0,
        gt=0,
        le=600,
        description="Seconds from the headers until the whole body must have arrived; then "
        "408 and close.",
    )
    rejected_body_drain_bytes: int = Field(
        64 * 1_048_576,
        ge=0,
        description="After an early 413, up to this many bytes of the rest of the body are "
        "read and discarded, so that clients that send everything before reading (urllib, "
        "requests) see the 413 instead of a connection reset.",
    )
    rejected_body_drain_seconds: float = Field(
        5.0, ge=0, le=60, description="...and for at most this many seconds."
    )


S = TypeVar("S", bound=ServerSettings)


def describe_validation_error(error: ValidationError) -> str:
    """One line naming each bad variable, as an operator would type it."""
    parts = []
    for item in error.errors():
        variable = "_".join(str(part) for part in item["loc"]).upper() or "settings"
        got = item.get("input")
        shown = "" if isinstance(got, dict) or got is None else f" (got {str(got)[:60]!r})"
        message = "is required" if item["type"] == "missing" else item["msg"]
        parts.append(f"{variable}: {message}{shown}")
    return "configuration error: " + "; ".join(parts)


def load_settings(cls: type[S], **overrides: object) -> S:
    """Build ``cls`` from the environment, or exit(2) with one clear line on stderr."""
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        print(describe_validation_error(error), file=sys.stderr)
        raise SystemExit(2) from None
