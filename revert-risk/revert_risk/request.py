"""The three request shapes, parsed into the revisions to score.

- one revision: ``{"lang": "ru", "rev_id": 123}``
- a batch: ``{"instances": [{"lang": ..., "rev_id": ...}, ...]}`` with 1 to
  ``max_batch_size`` items; an invalid item becomes that item's error, not the batch's
- an event: ``{"event": {...}}``, a ``mediawiki/revision/create`` or
  ``mediawiki/page/change`` event of a Wikipedia (the language comes from its domain)

Everything the request is wrong about as a whole is an :class:`InvalidInput` (400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

from inference_common.errors import InvalidInput, ModelServerError
from inference_common.events import RevisionEvent, parse_event
from inference_common.inputs import require_lang, require_rev_id
from inference_common.wikis import is_wikipedia_language

Kind = Literal["single", "batch", "event"]
SHAPES = ("rev_id", "instances", "event")


@dataclass(frozen=True)
class Item:
    """One revision to score: its position in the request, language and id."""

    index: int
    lang: str
    rev_id: int


@dataclass(frozen=True)
class ItemError:
    """A batch item that cannot be scored, with what it said (echoed when well-typed)."""

    index: int
    error: ModelServerError
    lang: str | None = None
    rev_id: int | None = None


@dataclass(frozen=True)
class ParsedRequest:
    kind: Kind
    items: tuple[Item | ItemError, ...]
    event: RevisionEvent | None = None


def parse_item(body: Mapping[str, Any], index: int = 0) -> Item:
    """``{"lang", "rev_id"}``, checked (a known Wikipedia language code; a positive id)."""
    return Item(index, require_lang(body), require_rev_id(body))


def _echo(instance: Any, field: str, kind: type) -> Any:
    if isinstance(instance, dict):
        value = instance.get(field)
        if isinstance(value, kind) and not isinstance(value, bool):
            return value if not isinstance(value, str) else value[:40]
    return None


def parse_batch(instances: Any, max_batch_size: int) -> tuple[Item | ItemError, ...]:
    if not isinstance(instances, list):
        raise InvalidInput('instances must be an array of {"lang", "rev_id"} objects')
    if not instances:
        raise InvalidInput("instances must not be empty")
    if len(instances) > max_batch_size:
        raise InvalidInput(
            f"instances has {len(instances)} items; at most {max_batch_size} are allowed"
        )
    items: list[Item | ItemError] = []
    for index, instance in enumerate(instances):
        try:
            if not isinstance(instance, dict):
                raise InvalidInput(f"instances[{index}] must be a JSON object")
            items.append(parse_item(instance, index))
        except InvalidInput as error:
            items.append(
                ItemError(
                    index, error, _echo(instance, "lang", str), _echo(instance, "rev_id", int)
                )
            )
    return tuple(items)


def parse_revision_event(raw: Any) -> tuple[RevisionEvent, Item]:
    """A revision-create or page-change event of a Wikipedia, and the revision it names."""
    event = parse_event(raw)
    if not event.domain.endswith(".wikipedia.org") or not is_wikipedia_language(event.lang):
        raise InvalidInput(
            f"event domain {event.domain[:80]!r} is not a Wikipedia (lang.wikipedia.org)"
        )
    return event, Item(0, event.lang, event.rev_id)


def parse_request(body: Mapping[str, Any], *, max_batch_size: int) -> ParsedRequest:
    """Which shape the body has, and its items; :class:`InvalidInput` when it is none."""
    shapes = [shape for shape in SHAPES if shape in body]
    if len(shapes) > 1:
        raise InvalidInput(
            'send one of {"lang", "rev_id"}, {"instances": [...]} or {"event": {...}}, '
            f"not several (got {', '.join(shapes)})"
        )
    if "instances" in body:
        return ParsedRequest("batch", parse_batch(body["instances"], max_batch_size))
    if "event" in body:
        event, item = parse_revision_event(body["event"])
        return ParsedRequest("event", (item,), event)
    return ParsedRequest("single", (parse_item(body),))
