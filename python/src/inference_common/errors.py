"""The error hierarchy of every model server, and the one place it becomes HTTP.

Errors are raised where they are detected and carry their HTTP status and a stable
``type`` name. :func:`install_handlers` turns them, KServe's own errors and anything
unexpected into JSON responses of one shape::

    {"error": {"type": "RevisionNotFound", "message": "revision 123 does not exist"}}
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the web stack is imported only where responses are made, so that
    # pool workers and tools that only raise these errors do not pay for importing it
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

logger = logging.getLogger(__name__)


class ModelServerError(Exception):
    """Base of all errors a client can be told about. Subclasses set ``status``."""

    status: int = 500
    headers: dict[str, str] | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if headers:
            self.headers = headers

    @property
    def type(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict[str, Any]:
        """The error as it appears in a response body (also inside ORES batch scores)."""
        return {"type": self.type, "message": self.message}


# 4xx: the request was wrong.
class InvalidInput(ModelServerError):
    status = 400


class InvalidToken(ModelServerError):
    """A bearer token that does not verify, has expired, names another issuer or an unknown
    rate-limit class (answered by the front door, ``gateway/``: never the anonymous class)."""

    status = 401


class ModelNotFound(ModelServerError):
    status = 404


class RevisionNotFound(ModelServerError):
    status = 404


class PageNotFound(ModelServerError):
    status = 404


class TextDeleted(ModelServerError):
    """The revision exists but its text is deleted or suppressed."""

    status = 410


class UserDeleted(ModelServerError):
    """The revision exists but its user is deleted or suppressed."""

    status = 410


class RateLimited(ModelServerError):
    """Over a rate-limit class's requests per second or per hour (the front door, with
    ``Retry-After``)."""

    status = 429


class RequestTimeout(ModelServerError):
    """The client did not send its request (headers or body) within the time limit."""

    status = 408


class MethodNotAllowed(ModelServerError):
    """The route takes other methods (``allow``: e.g. ``POST``)."""

    status = 405

    def __init__(self, message: str, *, allow: str) -> None:
        super().__init__(message, headers={"Allow": allow})


class PayloadTooLarge(ModelServerError):
    status = 413


class UnsupportedContent(ModelServerError):
    """The revision's content model is not one this model can score."""

    status = 422


# 5xx: something upstream of us, or this server, failed.
class UpstreamError(ModelServerError):
    """An upstream (MediaWiki, the predictor) answered with an error or garbage."""

    status = 502


class UpstreamUnavailable(ModelServerError):
    """An upstream could not be reached or asked us to back off, even after retries."""

    status = 503


class UpstreamTimeout(ModelServerError):
    status = 504


class Overloaded(ModelServerError):
    """More requests are in flight than the server is configured to accept."""

    status = 503

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class WorkerCrashed(ModelServerError):
    """A process-pool worker died while handling this request; the pool was replaced."""

    status = 503


class ModelUnavailable(ModelServerError):
    """A model this server was configured to serve could not be loaded (the message says
    why); the server's other models are served."""

    status = 503


class HTTPError(ModelServerError):
    """A plain HTTP error (unknown route, wrong method, model not ready), typed by its
    status phrase, e.g. ``NotFound`` or ``MethodNotAllowed``."""

    @property
    def type(self) -> str:
        return HTTPStatus(self.status).phrase.replace(" ", "").replace("-", "")


class ModelLoadError(Exception):
    """A model file cannot be loaded. Raised at start; the server exits with one line."""


def error_response(error: ModelServerError) -> JSONResponse:
    from fastapi.responses import JSONResponse

    return JSONResponse(
        status_code=error.status, content={"error": error.to_dict()}, headers=error.headers
    )


def error_response_bytes(error: ModelServerError) -> bytes:
    """The same answer as :func:`error_response`, as the bytes of a complete HTTP/1.1
    response that closes the connection: for the server's protocol layer, which answers
    before any application runs (a request whose headers never finish arriving)."""
    body = json.dumps({"error": error.to_dict()}, separators=(",", ":")).encode()
    lines = [
        f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
        *(f"{name}: {value}" for name, value in (error.headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _translate(exc: Exception) -> ModelServerError:
    """Map KServe's and Starlette's own exceptions into the hierarchy."""
    import kserve.errors as kserve_errors
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    if isinstance(exc, ModelServerError):
        return exc
    if isinstance(exc, kserve_errors.InvalidInput):
        return InvalidInput(str(exc))
    if isinstance(exc, kserve_errors.ModelNotFound):
        return ModelNotFound(str(exc))
    if isinstance(exc, kserve_errors.ModelNotReady):
        return HTTPError(str(exc), status=503)
    if isinstance(exc, _kserve_not_ready()):  # KServe >= 0.15 raises them from /v2/health
        return HTTPError(str(exc) or "server not ready", status=503)
    if isinstance(exc, RequestValidationError):
        return InvalidInput(str(exc.errors()))
    if isinstance(exc, StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI's "error parsing the body" (V2 infer's JSON)
            return InvalidInput(str(exc.detail))
        return HTTPError(str(exc.detail), status=exc.status_code)
    if isinstance(exc, NotImplementedError):
        return HTTPError(str(exc) or "not implemented", status=501)
    raise TypeError(exc)


def _kserve_not_ready() -> tuple[type[Exception], ...]:
    """KServe's server-health errors (newer KServe only; none in 0.13)."""
    import kserve.errors as kserve_errors

    names = ("ServerNotReady", "ServerNotLive")
    return tuple(getattr(kserve_errors, name) for name in names if hasattr(kserve_errors, name))


async def _handle_known(request: Request, exc: Exception) -> JSONResponse:
    error = _translate(exc)
    if error.status >= 500:
        logger.warning(
            "%s %s -> %d %s: %s",
            request.method,
            request.url.path,
            error.status,
            error.type,
            error.message,
        )
    return error_response(error)


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # For a plain Exception Starlette re-raises after this handler, and the server's
    # middleware answers and logs it once; KServe's InferenceError ends here.
    import kserve.errors as kserve_errors

    if isinstance(exc, kserve_errors.InferenceError):
        logger.error("inference error on %s %s: %s", request.method, request.url.path, exc)
    return error_response(HTTPError("internal server error", status=500))


def install_handlers(app: FastAPI) -> None:
    """Make every error of ``app`` answer in the one JSON error shape."""
    import kserve.errors as kserve_errors
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    for exc_type in (
        ModelServerError,
        kserve_errors.InvalidInput,
        kserve_errors.ModelNotFound,
        kserve_errors.ModelNotReady,
        *_kserve_not_ready(),
        RequestValidationError,
        StarletteHTTPException,
        NotImplementedError,
    ):
        app.add_exception_handler(exc_type, _handle_known)
    app.add_exception_handler(kserve_errors.InferenceError, _handle_unexpected)
    app.add_exception_handler(Exception, _handle_unexpected)
