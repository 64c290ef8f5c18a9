"""ORES' ``model_info``: what is said about a model, answered by revscoring itself.

A query is ``|``-separated paths, as ORES took them: ``version|type``, ``statistics``,
``statistics.roc_auc.labels.true``,
``statistics.thresholds.true."maximum recall @ precision >= 0.9"`` (a label or an
optimization containing dots is quoted, ``"Culture.Biography.Biography*"``). Every path
that starts with a field of the model's own revscoring ``ModelInfo`` (``type``,
``version``, ``params``, ``environment``, ``statistics``, ``score_schema``) is answered by
revscoring's ``ModelInfo.format(paths, formatting="json")`` on the model file's own info,
exactly as ORES answered it. Four more fields are this server's: ``labels`` (as the keys
of the scores' probabilities), ``features`` (the feature names in the model's order),
``revscoring_version`` (the revscoring that trained the model) and ``trained`` (the
model's ``trained`` attribute: when it was trained, in seconds since the epoch). An empty
query (``model_info`` given without a value) is everything revscoring's ``format()``
gives by default. A path revscoring cannot answer is :class:`InvalidInput` naming it.

The answer is strict JSON: numpy numbers as Python numbers, label keys as in the scores
(``true``/``false``), and a non-finite number (revscoring's ``NaN``) as ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from revscoring.errors import ModelInfoLookupError
from revscoring.scoring import util as info_util

from inference_common.errors import InvalidInput

OWN_FIELDS = ("labels", "features", "revscoring_version", "trained")
"""Fields this server answers itself (revscoring's ModelInfo does not hold them)."""
REVSCORING_FIELDS = ("type", "version", "params", "environment", "statistics", "score_schema")
"""The fields of the ModelInfo revscoring's models carry (``statistics`` only when the
model was tested)."""
FIELDS = REVSCORING_FIELDS + OWN_FIELDS
DEFAULT_QUERY = "version"
MAX_QUERY_CHARS = 2000
MAX_PATHS = 50

# What revscoring raises for a path it cannot follow: an unknown key, a threshold
# optimization that does not parse, unmatched quotes, a step into a value that is no map.
_LOOKUP_ERRORS = (ModelInfoLookupError, KeyError, ValueError, IndexError, TypeError)


@dataclass(frozen=True)
class InfoQuery:
    """A parsed ``model_info`` parameter: the raw paths, each with its parsed keys.
    ``everything``: no path given (revscoring's default fields)."""

    paths: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def everything(self) -> bool:
        return not self.paths


def parse_query(raw: str | None) -> InfoQuery:
    """``None`` (no ``model_info`` parameter): the version alone; ``""``: everything;
    else the ``|``-separated paths. A path that does not parse is InvalidInput."""
    if raw is None:
        raw = DEFAULT_QUERY
    if len(raw) > MAX_QUERY_CHARS:
        raise InvalidInput(f"model_info is longer than {MAX_QUERY_CHARS} characters")
    paths = []
    for path in dict.fromkeys(part.strip() for part in raw.split("|")):
        if not path:
            continue
        try:
            keys = tuple(info_util.parse_pattern(path))
        except (ValueError, IndexError) as error:  # unmatched quotes; an empty step
            raise InvalidInput(f"model_info {path[:80]!r} does not parse: {error}") from None
        if not keys or not all(keys):
            raise InvalidInput(f"model_info {path[:80]!r} has an empty step")
        paths.append((path, keys))
    if len(paths) > MAX_PATHS:
        raise InvalidInput(f"at most {MAX_PATHS} model_info paths, got {len(paths)}")
    return InfoQuery(tuple(paths))


def answer(name: str, info: Any, own: Mapping[str, Any], query: InfoQuery) -> dict[str, Any]:
    """What ``query`` asks about the model ``name``: revscoring's ``info.format()`` for
    its fields, ``own[field]`` for this server's (:data:`OWN_FIELDS`)."""
    if query.everything:
        return plain(info.format(formatting="json"))
    order = list(dict.fromkeys(keys[0] for _, keys in query.paths))
    own_fields = {field for field in order if field in OWN_FIELDS and field not in info}
    revscoring_paths = [
        (path, list(keys)) for path, keys in query.paths if keys[0] not in own_fields
    ]
    formatted: Mapping[str, Any] = {}
    if revscoring_paths:
        try:
            formatted = info.format([keys for _, keys in revscoring_paths], formatting="json")
        except _LOOKUP_ERRORS as error:
            raise InvalidInput(_cannot_answer(name, info, revscoring_paths, error)) from None
    return plain({f: own[f] if f in own_fields else formatted[f] for f in order})


def _cannot_answer(
    name: str, info: Any, paths: list[tuple[str, list[str]]], error: Exception
) -> str:
    """Which path revscoring could not answer, and why (tried one by one)."""
    failing = paths[0][0]
    for path, keys in paths:
        try:
            info.format([keys], formatting="json")
        except _LOOKUP_ERRORS:
            failing = path
            break
    reason = str(error.args[0]) if error.args else type(error).__name__
    return (
        f"model_info {failing[:120]!r} cannot be answered for {name}: "
        f"{type(error).__name__} {reason[:200]} (fields: {', '.join(FIELDS)})"
    )


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def plain(value: Any) -> Any:
    """``value`` as strict JSON data: mappings with string keys, lists, Python scalars,
    ``None`` for a non-finite number."""
    if isinstance(value, Mapping):
        return {_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
