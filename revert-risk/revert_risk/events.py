"""The ``mediawiki/page/prediction_classification_change`` event of a scored input event.

That schema is the page-change schema plus ``predicted_classification``, and the shared
:func:`~inference_common.events.prediction_change_event` copies the input event into it.
A page-change input is copied as it is; a revision-create input is first restated in the
page-change shape (:func:`as_page_change`), so both kinds of input produce valid events on
the one output stream.
"""

from __future__ import annotations

from typing import Any, Mapping

from inference_common.events import (
    PAGE_CHANGE,
    REVISION_CREATE,
    RevisionEvent,
    prediction_change_event,
)


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


def prediction_event(
    event: RevisionEvent,
    *,
    model_name: str,
    model_version: str,
    prediction: bool,
    probability: float,
    stream: str,
) -> dict[str, Any]:
    """The output event for one scored input event."""
    return prediction_change_event(
        as_page_change(event),
        model_name=model_name,
        model_version=model_version,
        predictions=[str(prediction).lower()],
        probabilities={"true": probability, "false": 1.0 - probability},
        stream=stream,
    )
