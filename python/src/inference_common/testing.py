"""Shared test tables: the bad inputs every server must answer with a clear 4xx.

Each service's test suite parametrizes over these, so the same table is sent to every
server and endpoint (and a new server gets the whole table by using it)::

    @pytest.mark.parametrize("case", BAD_BODIES, ids=str)
    async def test_bad_bodies(client, case): ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIB = 1024 * 1024


@dataclass(frozen=True)
class BadBody:
    """A request body and the error it must get."""

    name: str
    body: bytes
    status: int
    error_type: str

    def __str__(self) -> str:
        return self.name


BAD_BODIES: tuple[BadBody, ...] = (
    BadBody("empty body", b"", 400, "InvalidInput"),
    BadBody("whitespace", b"  \n ", 400, "InvalidInput"),
    BadBody("not JSON", b"rev_id=123", 400, "InvalidInput"),
    BadBody("truncated JSON", b'{"rev_id": 1', 400, "InvalidInput"),
    BadBody("JSON array", b"[1, 2]", 400, "InvalidInput"),
    BadBody("JSON string", b'"rev_id"', 400, "InvalidInput"),
    BadBody("JSON number", b"123", 400, "InvalidInput"),
    BadBody("JSON null", b"null", 400, "InvalidInput"),
    BadBody("invalid UTF-8", b'{"rev_id": "\xff\xfe"}', 400, "InvalidInput"),
    BadBody("deeply nested", b"[" * 50_000 + b"]" * 50_000, 400, "InvalidInput"),
    BadBody("nested object", b'{"a":' * 5_000 + b"1" + b"}" * 5_000, 400, "InvalidInput"),
    BadBody(
        "over the size limit", b'{"pad": "' + b"x" * (MIB + 10) + b'"}', 413, "PayloadTooLarge"
    ),
)

# Values that are not a valid id (revision or page), with a reason for the test id.
BAD_IDS: tuple[tuple[str, Any], ...] = (
    ("negative", -1),
    ("zero", 0),
    ("huge", 10**30),
    ("float", 1.5),
    ("integral float", 2.0),
    ("string", "123"),
    ("boolean", True),
    ("null", None),
    ("array", [1]),
    ("object", {"id": 1}),
)

# `lang` values that try to choose another host, or are not language codes.
BAD_LANGS: tuple[tuple[str, Any], ...] = (
    ("another host", "evil.com/"),
    ("userinfo trick", "en.wikipedia.org@x"),
    ("path traversal", "../"),
    ("wiki id", "enwiki"),
    ("upper case", "EN"),
    ("empty", ""),
    ("number", 5),
    ("unicode", "ünï"),
)

# Titles MediaWiki forbids (and "|", which would turn one lookup into several).
BAD_TITLES: tuple[tuple[str, Any], ...] = (
    ("pipe", "Foo|Bar"),
    ("hash", "Foo#Bar"),
    ("brackets", "[[Foo]]"),
    ("braces", "{{Foo}}"),
    ("angle brackets", "<Foo>"),
    ("control character", "Foo\x00Bar"),
    ("too long", "x" * 300),
    ("blank", "   "),
    ("number", 42),
)


def assert_error(response: Any, status: int, error_type: str) -> dict[str, Any]:
    """Assert an httpx/aiohttp-like response is the one JSON error shape; return it."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["type"] == error_type, error
    assert isinstance(error["message"], str) and error["message"], error
    assert "Traceback" not in response.text
    return error
