"""Request bodies and their fields: decoded and checked, or a clear :class:`InvalidInput`.

Bodies are JSON objects whatever the Content-Type: the server's data plane hands
``predict`` the raw bytes (also a CloudEvent's data), and :func:`decode_body` is the one
parser of them all. It refuses what MediaWiki and the JSON encoder of our answers could
not take either: lone surrogates (``"\\ud800"``) and the non-standard ``NaN``/``Infinity``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Mapping

from .errors import InvalidInput
from .wikis import is_wikipedia_language

MAX_REV_ID = 10**12  # MediaWiki ids are far below this; anything above is absurd.
MAX_TITLE_BYTES = 255  # MediaWiki's limit on a page title, in UTF-8 bytes.
# Characters MediaWiki forbids in titles; "|" would also split one API lookup into several.
FORBIDDEN_TITLE_CHARACTERS = frozenset("#<>[]|{}")
# MediaWiki's title normalisation: these marks are removed, runs of this whitespace (and
# underscores) become one space; %-escapes, HTML entities and relative paths are refused.
_DIRECTION_MARKS = re.compile("[\u200e\u200f\u202a-\u202e]+")
_TITLE_SPACE = re.compile("[ _\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_TITLE_ESCAPE = re.compile("%[0-9A-Fa-f]{2}|&[A-Za-z0-9\x80-\U0010ffff]+;")
_RELATIVE_PATH = re.compile(r"^\.\.?(/|$)|/\.\.?(/|$)")
# A JSON escape of a UTF-16 surrogate; only these can put a lone surrogate into a string
# (raw surrogates are not valid UTF-8). Matching pairs (emoji) are fine and decode to one
# character; a match only triggers the full check.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _kind(value: Any) -> str:
    """The JSON name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def decode_body(payload: Any) -> dict[str, Any]:
    """The request body as a JSON object (dict), from KServe's decoded dict or raw bytes."""
    if isinstance(payload, (bytes, bytearray, memoryview)):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("request body is not UTF-8 text") from None
    if isinstance(payload, str):
        if not payload.strip():
            raise InvalidInput("request body is empty; send a JSON object")
        try:
            decoded = json.loads(payload, parse_constant=_refuse_constant)
        except RecursionError:
            raise InvalidInput("request body is nested too deeply") from None
        except ValueError as error:
            raise InvalidInput(f"request body is not valid JSON: {error}") from None
        if _SURROGATE_ESCAPE.search(payload):
            _require_unicode_text(decoded)
        payload = decoded
    if not isinstance(payload, dict):
        raise InvalidInput(f"request body must be a JSON object, got {_kind(payload)}")
    return payload


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _require_unicode_text(value: Any) -> None:
    """Every string in a decoded JSON value (keys too) must be encodable as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            "request body contains a lone UTF-16 surrogate (\\ud800-\\udfff)"
        ) from None
    except RecursionError:
        raise InvalidInput("request body is nested too deeply") from None


def _shown(value: Any) -> str:
    """A value for an error message, cut short (a client may send 4000-digit numbers)."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def require_int(
    body: Mapping[str, Any], field: str, *, minimum: int = 1, maximum: int = MAX_REV_ID
) -> int:
    """An integer field (booleans, floats and strings are refused)."""
    if field not in body:
        raise InvalidInput(f"missing field {field!r}")
    value = body[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an integer, got {_kind(value)}")
    if not minimum <= value <= maximum:
        raise InvalidInput(f"{field} must be between {minimum} and {maximum}, got {_shown(value)}")
    return value


def require_rev_id(body: Mapping[str, Any], field: str = "rev_id") -> int:
    """A revision id: a positive integer."""
    return require_int(body, field)


def optional_bool(body: Mapping[str, Any], field: str, default: bool = False) -> bool:
    value = body.get(field, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false, got {_kind(value)}")
    return value


def optional_float(
    body: Mapping[str, Any],
    field: str,
    default: float,
    *,
    minimum: float = -math.inf,
    maximum: float = math.inf,
) -> float:
    value = body.get(field, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{field} must be a number, got {_kind(value)}")
    # Python compares ints and floats exactly, so a huge int is checked without converting
    # it (float(10**400) raises OverflowError); NaN fails every comparison.
    if not minimum <= value <= maximum or (isinstance(value, float) and not math.isfinite(value)):
        raise InvalidInput(
            f"{field} must be a number in [{minimum}, {maximum}], got {_shown(value)}"
        )
    try:
        return float(value)
    except OverflowError:  # an int within infinite bounds, but beyond any float
        raise InvalidInput(f"{field} is too large a number: {_shown(value)}") from None


def require_str(body: Mapping[str, Any], field: str, *, max_length: int = 1000) -> str:
    if field not in body or body[field] is None:
        raise InvalidInput(f"missing field {field!r}")
    value = body[field]
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string, got {_kind(value)}")
    if not value.strip():
        raise InvalidInput(f"{field} must not be empty")
    if len(value) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters")
    return value


def require_lang(body: Mapping[str, Any], field: str = "lang") -> str:
    """A Wikipedia language code such as ``en`` (never a host, URL or wiki id)."""
    lang = require_str(body, field, max_length=40)
    if is_wikipedia_language(lang):
        return lang
    if lang.endswith("wiki") and is_wikipedia_language(lang[: -len("wiki")].replace("_", "-")):
        raise InvalidInput(
            f"{field} must be a language code such as 'en', not a wiki id ({lang[:40]!r})"
        )
    raise InvalidInput(f"{field} is not a Wikipedia language code: {lang[:40]!r}")


def validate_title(title: str, field: str = "page_title") -> str:
    """A page title as MediaWiki accepts it (its TitleParser's rules), normalized as it
    does: direction marks removed, runs of its whitespace and underscores one space, none
    at the ends. Stricter than MediaWiki: ``#`` (a fragment, not a title) and C1 control
    characters (legal bytes to MediaWiki, but not text) are refused."""
    bad = sorted(set(title) & FORBIDDEN_TITLE_CHARACTERS)
    if bad:
        raise InvalidInput(f"{field} contains characters MediaWiki forbids: {''.join(bad)}")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in title):
        raise InvalidInput(f"{field} contains control characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in title):
        raise InvalidInput(f"{field} contains a lone UTF-16 surrogate, not text")
    normalized = _TITLE_SPACE.sub(" ", _DIRECTION_MARKS.sub("", title)).strip(" ")
    if not normalized:
        raise InvalidInput(f"{field} must not be empty")
    if "\ufffd" in normalized:
        raise InvalidInput(f"{field} contains U+FFFD, the mark of text that did not decode")
    if _TITLE_ESCAPE.search(normalized):
        raise InvalidInput(
            f"{field} contains a %-escape or an HTML entity: send the title as plain text"
        )
    if _RELATIVE_PATH.search(normalized):
        raise InvalidInput(f"{field} is or holds a relative path (. or ..)")
    if "~~~" in normalized:
        raise InvalidInput(f"{field} contains ~~~ (a signature, which MediaWiki refuses)")
    if len(normalized.encode("utf-8")) > MAX_TITLE_BYTES:
        raise InvalidInput(f"{field} is longer than {MAX_TITLE_BYTES} bytes")
    return normalized


def require_title(body: Mapping[str, Any], field: str = "page_title") -> str:
    return validate_title(require_str(body, field, max_length=MAX_TITLE_BYTES * 4), field)
