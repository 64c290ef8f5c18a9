"""The transformer's request: decoded, checked and normalized before anything is fetched.

Accepted bodies (``threshold``, a number in [0, 1] defaulting to 0.5, and ``debug``, true
for every topic whatever its score, go with any of them)::

    {"lang": "en", "page_title": "Wings of Fire (novel series)"}
    {"lang": "en", "page_id": 12345}
    {"lang": "en", "page_title": "...", "features_str": "Q1 Q2"}   no fetch: these outlinks
    {"event": {<mediawiki/page/change or mediawiki/revision/create event>}}

The wiki is only ever ``{lang}.wikipedia.org`` for a known Wikipedia language code, so
nothing in a request can choose another host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from inference_common.errors import InvalidInput
from inference_common.events import RevisionEvent, parse_event
from inference_common.inputs import (
    optional_bool,
    optional_float,
    require_int,
    require_lang,
    require_title,
    validate_title,
)
from inference_common.wikis import is_wikipedia_language

DEFAULT_THRESHOLD = 0.5
MAX_FEATURE_IDS = 1000
QID = re.compile(r"^Q[1-9][0-9]{0,11}$")


@dataclass(frozen=True)
class TopicRequest:
    """One request, valid. Exactly one of ``page_title`` and ``page_id`` is set."""

    lang: str
    page_title: str | None
    page_id: int | None
    threshold: float = DEFAULT_THRESHOLD
    debug: bool = False
    features_str: str | None = None
    event: RevisionEvent | None = None


def parse_features(value: Any) -> str:
    """A caller's ``features_str``: Wikidata ids separated by whitespace, normalized to
    single spaces."""
    if not isinstance(value, str):
        raise InvalidInput("features_str must be a string of space-separated Wikidata ids")
    ids = value.split()
    if len(ids) > MAX_FEATURE_IDS:
        raise InvalidInput(f"features_str has more than {MAX_FEATURE_IDS} ids")
    bad = next((item for item in ids if not QID.match(item)), None)
    if bad is not None:
        raise InvalidInput(f"features_str must hold Wikidata ids such as Q42, got {bad[:30]!r}")
    return " ".join(ids)


def _page_from_event(event: RevisionEvent) -> tuple[str, str | None, int | None]:
    """lang, title and page id of the page an event is about (Wikipedia only)."""
    lang, _, rest = event.domain.partition(".")
    if rest != "wikipedia.org" or not is_wikipedia_language(lang):
        raise InvalidInput(
            f"this model scores Wikipedia articles only; the event is from {event.domain[:80]!r}"
        )
    if event.page_title is not None:
        return lang, validate_title(event.page_title, "event page_title"), None
    if event.page_id is not None:
        return lang, None, event.page_id
    raise InvalidInput("the event names no page (page_title or page_id)")


def parse_request(body: Mapping[str, Any]) -> TopicRequest:
    """The request, checked: a 400 ``InvalidInput`` names the first bad field."""
    threshold = optional_float(body, "threshold", DEFAULT_THRESHOLD, minimum=0.0, maximum=1.0)
    debug = optional_bool(body, "debug")
    features = (
        parse_features(body["features_str"]) if body.get("features_str") is not None else None
    )
    if body.get("event") is not None:
        given = [field for field in ("lang", "page_title", "page_id") if field in body]
        if given:
            raise InvalidInput(f"pass either an event or {', '.join(given)}, not both")
        event = parse_event(body["event"])
        lang, title, page_id = _page_from_event(event)
        return TopicRequest(lang, title, page_id, threshold, debug, features, event)
    lang = require_lang(body)
    has_title = body.get("page_title") is not None
    has_id = body.get("page_id") is not None
    if has_title and has_id:
        raise InvalidInput("pass either page_title or page_id, not both")
    if not has_title and not has_id:
        raise InvalidInput("missing field 'page_title' (or 'page_id')")
    if has_title:
        return TopicRequest(lang, require_title(body), None, threshold, debug, features)
    return TopicRequest(lang, None, require_int(body, "page_id"), threshold, debug, features)
