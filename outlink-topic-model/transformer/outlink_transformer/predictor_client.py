"""The transformer's side of the predictor protocol (see ``outlink_predictor.prediction``):
KServe V1 over HTTP, ``POST {scheme}://{predictor_host}/v1/models/{name}:predict``, on the
process's shared :class:`~inference_common.http.HttpClient` (one aiohttp session for
MediaWiki, EventGate and the predictor) and its one retry helper.

Failures become the shared error hierarchy, so the client always gets one JSON error:

- the predictor cannot be reached (refused, reset, DNS), even after retries:
  ``UpstreamUnavailable`` 503. Prediction is a pure function, so a request that may or
  may not have reached the predictor is safe to send again;
- no answer in ``PREDICTOR_TIMEOUT`` seconds: ``UpstreamTimeout`` 504;
- the predictor answered 4xx: :class:`PredictorRejected`, the predictor's status, type
  and message passed through (a 400 ``InvalidInput`` stays a 400 ``InvalidInput``),
  except 404/405, which mean the predictor serves another model name: ``UpstreamError``;
- the predictor answered 503: ``UpstreamUnavailable``; any other 5xx, or a body that is
  not the protocol's: ``UpstreamError`` 502.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, Mapping, Protocol

import aiohttp

from inference_common.errors import (
    ModelServerError,
    UpstreamError,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from inference_common.http import HttpClient, RetryPolicy, Transient, user_agent
from inference_common.log import request_id_var

from .settings import TransformerSettings

logger = logging.getLogger(__name__)
_ERROR_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


class Predictor(Protocol):
    """Anything that answers the predictor protocol: this HTTP client, or (in the
    one-process shape) the predictor model itself."""

    async def predict(
        self, request: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]: ...


class PredictorRejected(ModelServerError):
    """The predictor refused the request (4xx); its status, type and message pass through."""

    def __init__(self, message: str, *, status: int, error_type: str) -> None:
        super().__init__(message, status=status)
        self._type = error_type if _ERROR_TYPE.match(error_type) else "PredictorRejected"

    @property
    def type(self) -> str:
        return self._type


def _error_of(body: bytes) -> tuple[str, str]:
    """The ``type`` and ``message`` of an error answer, whatever its shape."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        return str(error.get("type", "")), str(error.get("message", ""))[:500]
    if isinstance(error, str):  # KServe's own error shape
        return "", error[:500]
    return "", body[:200].decode("utf-8", "replace")


class PredictorClient:
    """Calls the predictor over HTTP; safe to share between concurrent requests."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        connect_timeout: float,
        retries: int,
        user_agent: str = "",
        backoff: float = 0.1,
        http: HttpClient | None = None,
    ) -> None:
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=connect_timeout)
        # A prediction is a pure function: resending one that may have arrived is safe.
        self._retry = RetryPolicy(retries=retries, backoff=backoff)
        self._headers = {"Content-Type": "application/json"}
        self._owns_http = http is None
        self._http = http or HttpClient(
            user_agent=user_agent, timeout=timeout, connect_timeout=connect_timeout
        )

    @classmethod
    def from_settings(
        cls, settings: TransformerSettings, http: HttpClient | None = None
    ) -> "PredictorClient":
        if not settings.predictor_host:
            raise ValueError("PREDICTOR_HOST is not set")
        scheme = "https" if settings.predictor_use_ssl else "http"
        return cls(
            f"{scheme}://{settings.predictor_host}/v1/models/{settings.inference_name}:predict",
            timeout=settings.predictor_timeout,
            connect_timeout=settings.http_connect_timeout,
            retries=settings.http_retries,
            user_agent=user_agent(settings),
            http=http,
        )

    async def close(self) -> None:
        if self._owns_http:
            await self._http.close()

    async def predict(
        self, request: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The predictor's answer to ``request``, or an error of the hierarchy."""
        body = json.dumps(request, separators=(",", ":")).encode()
        sent_headers = dict(self._headers)
        request_id = request_id_var.get()
        if request_id != "-":
            sent_headers["x-request-id"] = request_id
        status, answer = await self._http.retrying(
            lambda: self._post_once(body, sent_headers), "predictor", policy=self._retry
        )
        return self._answer(status, answer)

    async def _post_once(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            async with self._http.session.post(
                self.url, data=body, headers=headers, timeout=self._timeout
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError:
            raise Transient(
                UpstreamUnavailable(f"the predictor ({self.url}) could not be reached in time")
            ) from None
        except asyncio.TimeoutError:
            raise UpstreamTimeout(f"the predictor ({self.url}) did not answer in time") from None
        except aiohttp.ClientError as error:
            raise Transient(
                UpstreamUnavailable(
                    f"the predictor ({self.url}) is unreachable: {type(error).__name__}"
                    + (f": {error}" if str(error) else "")
                )
            ) from None

    def _answer(self, status: int, body: bytes) -> dict[str, Any]:
        if status == 200:
            try:
                document = json.loads(body)
            except ValueError:
                raise UpstreamError("the predictor answered malformed JSON") from None
            if not isinstance(document, dict):
                raise UpstreamError("the predictor answered JSON that is not an object")
            return document
        error_type, message = _error_of(body)
        if status in (404, 405):
            # Our request was well formed: the predictor is not serving this model name.
            raise UpstreamError(
                f"the predictor has no model at {self.url} (HTTP {status}); "
                "its INFERENCE_NAME must match the transformer's"
            )
        if 400 <= status < 500:
            raise PredictorRejected(
                message or f"the predictor refused the request (HTTP {status})",
                status=status,
                error_type=error_type or "PredictorRejected",
            )
        detail = f"{error_type}: {message}" if error_type else message
        if status == 503:
            raise UpstreamUnavailable(f"the predictor is unavailable: {detail}"[:500])
        raise UpstreamError(f"the predictor answered HTTP {status}: {detail}"[:500])
