"""Events in and out: revision-create / page-change input events, and EventGate output.

Input events are parsed into a :class:`RevisionEvent` (what a model needs to know) while
the original event is kept, because output events copy most of it. Output events are
posted to EventGate in the background: a failing EventGate is logged and counted, and
never fails or delays the score a client is waiting for.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

import aiohttp
from prometheus_client import Counter

from .errors import InvalidInput, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from .http import HttpClient, RetryPolicy, Transient
from .inputs import MAX_REV_ID
from .log import request_id_var
from .settings import ServerSettings

logger = logging.getLogger(__name__)

REVISION_CREATE = "mediawiki/revision/create"
PAGE_CHANGE = "mediawiki/page/change"
REVISION_SCORE_SCHEMA = "/mediawiki/revision/score/2.0.0"
PREDICTION_CHANGE_SCHEMA = "/mediawiki/page/prediction_classification_change/1.1.0"

EVENTS_SENT = Counter(
    "eventgate_events_total", "Events posted to EventGate, by outcome", ["outcome"]
)


@dataclass(frozen=True)
class RevisionEvent:
    """The revision an input event is about."""

    schema: str  # REVISION_CREATE or PAGE_CHANGE
    wiki_id: str
    domain: str
    rev_id: int
    parent_rev_id: int | None
    page_id: int | None
    page_title: str | None
    page_namespace: int | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def lang(self) -> str:
        """``en`` for ``en.wikipedia.org``."""
        return self.domain.split(".", 1)[0]


def _schema_kind(event: Mapping[str, Any]) -> str:
    schema = event.get("$schema")
    if not isinstance(schema, str):
        raise InvalidInput("event has no '$schema' string")
    for kind in (REVISION_CREATE, PAGE_CHANGE):
        if schema.lstrip("/").startswith(kind + "/"):
            return kind
    raise InvalidInput(
        f"unsupported event schema {schema[:100]!r}; expected {REVISION_CREATE} or {PAGE_CHANGE}"
    )


def _positive_int(value: Any, what: str, *, required: bool = True) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_REV_ID:
        raise InvalidInput(f"event {what} must be a positive integer")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"event {what} must be a non-empty string")
    return value


def parse_event(event: Any) -> RevisionEvent:
    """Parse a ``mediawiki/revision/create`` or ``mediawiki/page/change`` event."""
    if not isinstance(event, dict):
        raise InvalidInput("event must be a JSON object")
    kind = _schema_kind(event)
    meta = event.get("meta")
    if not isinstance(meta, dict):
        raise InvalidInput("event has no 'meta' object")
    domain = _str(meta.get("domain"), "meta.domain")
    if kind == REVISION_CREATE:
        namespace = event.get("page_namespace")
        return RevisionEvent(
            schema=kind,
            wiki_id=_str(event.get("database"), "database"),
            domain=domain,
            rev_id=_positive_int(event.get("rev_id"), "rev_id"),  # type: ignore[arg-type]
            parent_rev_id=_positive_int(
                event.get("rev_parent_id"), "rev_parent_id", required=False
            ),
            page_id=_positive_int(event.get("page_id"), "page_id", required=False),
            page_title=(
                event.get("page_title") if isinstance(event.get("page_title"), str) else None
            ),
            page_namespace=namespace if isinstance(namespace, int) else None,
            raw=event,
        )
    page = event.get("page")
    revision = event.get("revision")
    if not isinstance(page, dict) or not isinstance(revision, dict):
        raise InvalidInput("page change event needs 'page' and 'revision' objects")
    namespace = page.get("namespace_id")
    return RevisionEvent(
        schema=kind,
        wiki_id=_str(event.get("wiki_id"), "wiki_id"),
        domain=domain,
        rev_id=_positive_int(revision.get("rev_id"), "revision.rev_id"),  # type: ignore[arg-type]
        parent_rev_id=_positive_int(
            revision.get("rev_parent_id"), "revision.rev_parent_id", required=False
        ),
        page_id=_positive_int(page.get("page_id"), "page.page_id", required=False),
        page_title=page.get("page_title") if isinstance(page.get("page_title"), str) else None,
        page_namespace=namespace if isinstance(namespace, int) else None,
        raw=event,
    )


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _meta(source: Mapping[str, Any], stream: str) -> dict[str, Any]:
    meta = source.get("meta") if isinstance(source.get("meta"), dict) else {}
    return {
        "stream": stream,
        "domain": meta.get("domain"),
        "uri": meta.get("uri"),
        "request_id": meta.get("request_id") or request_id_var.get(),
        "id": str(uuid.uuid4()),
        "dt": _now(),
    }


def revision_score_event(
    event: RevisionEvent, scores: Mapping[str, Mapping[str, Any]], stream: str
) -> dict[str, Any]:
    """A ``mediawiki/revision/score`` event for ``event``.

    ``scores`` maps model name to ``{"model_version", "prediction", "probability"}``; the
    schema wants predictions as a list of strings and probabilities keyed by label."""
    source = event.raw
    copied = {
        key: source[key]
        for key in (
            "database",
            "page_id",
            "page_title",
            "page_namespace",
            "page_is_redirect",
            "performer",
            "rev_id",
            "rev_parent_id",
            "rev_timestamp",
        )
        if key in source
    }
    if event.schema == PAGE_CHANGE:
        copied.update(
            database=event.wiki_id,
            page_id=event.page_id,
            page_title=event.page_title,
            page_namespace=event.page_namespace,
            rev_id=event.rev_id,
            rev_parent_id=event.parent_rev_id,
        )
    return {
        "$schema": REVISION_SCORE_SCHEMA,
        "meta": _meta(source, stream),
        **copied,
        "scores": {
            name: {
                "model_name": name,
                "model_version": str(score.get("model_version", "")),
                "prediction": _as_label_list(score.get("prediction")),
                "probability": dict(score.get("probability", {})),
            }
            for name, score in scores.items()
        },
    }


def _present(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


def as_page_change(event: RevisionEvent) -> RevisionEvent:
    """A revision-create event restated as a page-change event (page-change events are
    returned unchanged). Only fields the revision-create event has are filled in."""
    if event.schema != REVISION_CREATE:
        return event
    raw = event.raw
    performer = raw.get("performer") if isinstance(raw.get("performer"), dict) else {}
    created = not event.parent_rev_id
    body: dict[str, Any] = {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": raw.get("meta"),
        "dt": raw.get("rev_timestamp") or (raw.get("meta") or {}).get("dt"),
        "wiki_id": event.wiki_id,
        "page_change_kind": "create" if created else "edit",
        "changelog_kind": "insert" if created else "update",
        "page": _present(
            {
                "page_id": event.page_id,
                "page_title": event.page_title,
                "namespace_id": event.page_namespace,
                "is_redirect": raw.get("page_is_redirect"),
            }
        ),
        "revision": _present(
            {
                "rev_id": event.rev_id,
                "rev_parent_id": event.parent_rev_id,
                "rev_dt": raw.get("rev_timestamp"),
                "rev_size": raw.get("rev_len"),
                "rev_sha1": raw.get("rev_sha1"),
                "is_minor_edit": raw.get("rev_minor_edit"),
                "comment": raw.get("comment"),
            }
        ),
    }
    if performer:
        body["performer"] = _present(
            {
                "user_text": performer.get("user_text"),
                "user_id": performer.get("user_id"),
                "groups": performer.get("user_groups"),
                "is_bot": performer.get("user_is_bot"),
                "edit_count": performer.get("user_edit_count"),
                "registration_dt": performer.get("user_registration_dt"),
            }
        )
    return RevisionEvent(
        schema=PAGE_CHANGE,
        wiki_id=event.wiki_id,
        domain=event.domain,
        rev_id=event.rev_id,
        parent_rev_id=event.parent_rev_id,
        page_id=event.page_id,
        page_title=event.page_title,
        page_namespace=event.page_namespace,
        raw=_present(body),
    )


def prediction_change_event(
    event: RevisionEvent,
    *,
    model_name: str,
    model_version: str,
    predictions: list[str],
    probabilities: Mapping[str, float],
    stream: str,
) -> dict[str, Any]:
    """A ``mediawiki/page/prediction_classification_change`` event: the page change event
    it answers (a revision-create input restated as one, :func:`as_page_change`), with the
    model's classification added."""
    source = dict(as_page_change(event).raw)
    source.pop("$schema", None)
    source.pop("meta", None)
    return {
        "$schema": PREDICTION_CHANGE_SCHEMA,
        "meta": _meta(event.raw, stream),
        **source,
        "predicted_classification": {
            "model_name": model_name,
            "model_version": model_version,
            "predictions": predictions,
            "probabilities": dict(probabilities),
        },
    }


def _as_label_list(prediction: Any) -> list[str]:
    values = prediction if isinstance(prediction, list) else [prediction]
    return [str(value).lower() if isinstance(value, bool) else str(value) for value in values]


class EventGateClient:
    """Posts events to EventGate in the background; failures never reach the caller.

    Posts go over the process's shared :class:`~.http.HttpClient` and
    are retried by the shared retry helper when they surely did not arrive: no
    connection, or HTTP 429/503."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        http: HttpClient,
        token: str | None = None,
        retry: RetryPolicy = RetryPolicy(retries=2, backoff=0.1),
    ) -> None:
        self._url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._http = http  # the process's shared client (its owner closes it)
        self._retry = retry
        self._pending: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(cls, settings: ServerSettings, http: HttpClient) -> "EventGateClient | None":
        if settings.eventgate_url is None:
            return None
        token = settings.eventgate_token.get_secret_value() if settings.eventgate_token else None
        return cls(
            str(settings.eventgate_url),
            timeout=settings.http_timeout,
            token=token,
            http=http,
            retry=RetryPolicy(
                retries=settings.http_retries,
                backoff=0.1,
                max_retry_after=settings.http_max_retry_after,
            ),
        )

    def send_in_background(self, event: Mapping[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self.send(event))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def send(self, event: Mapping[str, Any]) -> None:
        """Post one event; log and count a failure instead of raising it."""
        body = json.dumps([event], separators=(",", ":")).encode()
        try:
            await self._http.retrying(
                lambda: self._post_once(body), "EventGate", policy=self._retry
            )
            EVENTS_SENT.labels(outcome="sent").inc()
        except Exception as error:  # noqa: BLE001 - a lost event must never fail a score
            EVENTS_SENT.labels(outcome="failed").inc()
            logger.error("EventGate post to %s failed: %s", self._url, error)

    async def _post_once(self, body: bytes) -> None:
        """One post. Retried only when the event surely did not arrive (no connection, or
        an explicit 429/503): anything else might have been accepted, and a resent event
        would be a duplicate."""
        try:
            async with self._http.session.post(
                self._url, data=body, headers=self._headers, timeout=self._timeout
            ) as response:
                status = response.status
                text = "" if status < 300 else (await response.text())[:200]
        except aiohttp.ClientConnectorError as error:
            raise Transient(UpstreamUnavailable(f"EventGate unreachable: {error}")) from None
        except asyncio.TimeoutError:
            raise UpstreamTimeout("EventGate did not answer in time") from None
        except aiohttp.ClientError as error:
            raise UpstreamError(f"EventGate post failed: {error}") from None
        if status < 300:
            return
        failure = UpstreamError(f"HTTP {status}: {text}")
        if status in (429, 503):
            raise Transient(failure)
        raise failure

    async def drain(self) -> None:
        """Wait for the events in flight (at shutdown, and in tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
