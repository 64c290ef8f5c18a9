"""Shared test tables: the bad inputs every server must answer with a clear 4xx.

Also the helpers that run a server's real entry point as a process (:func:`serving`,
:func:`run_entry_point`, :func:`free_port`).

Each service's test suite parametrizes over the tables, so the same table is sent to every
server and endpoint (and a new server gets the whole table by using it). Every body is sent
under every way of labelling it (:data:`CONTENT_TYPES`: JSON, form, text, none, binary and
structured CloudEvents), since clients (curl's ``-d``, Knative eventing) do all of them::

    @pytest.mark.parametrize("content_type", CONTENT_TYPES, ids=str)
    @pytest.mark.parametrize("case", BAD_BODIES, ids=str)
    async def test_bad_bodies(client, case, content_type):
        response = await client.post(PREDICT, content=case.body, headers=content_type.headers)
        assert_error(response, case.status, case.error_type)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx

from .embedded_wiki import free_port

MIB = 1024 * 1024


@dataclass(frozen=True)
class BadBody:
    """A request body and the error it must get."""

    name: str
    body: bytes
    status: int
    error_type: str
    fields_only: bool = False  # a well-formed JSON object: only its fields are wrong

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
        "lone surrogate",
        b'{"lang": "en", "page_title": "\\ud800", "rev_id": 1}',
        400,
        "InvalidInput",
    ),
    BadBody("NaN", b'{"rev_id": NaN, "threshold": NaN}', 400, "InvalidInput"),
    BadBody("infinite number", b'{"rev_id": 1e400}', 400, "InvalidInput", fields_only=True),
    BadBody("400-digit number", b'{"rev_id": ' + b"9" * 400 + b"}", 400, "InvalidInput", True),
    BadBody("5000-digit number", b'{"rev_id": ' + b"9" * 5000 + b"}", 400, "InvalidInput"),
    BadBody(
        "over the size limit", b'{"pad": "' + b"x" * (MIB + 10) + b'"}', 413, "PayloadTooLarge"
    ),
)

CLOUDEVENT_HEADERS = {
    "ce-specversion": "1.0",
    "ce-source": "inference-services/tests",
    "ce-type": "org.example.bad-input",
    "ce-id": "1",
}


@dataclass(frozen=True)
class ContentType:
    """A way a client labels a request body (headers to send with it)."""

    name: str
    header_items: tuple[tuple[str, str], ...]

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.header_items)

    def __str__(self) -> str:
        return self.name


CONTENT_TYPES: tuple[ContentType, ...] = (
    ContentType("json", (("content-type", "application/json"),)),
    ContentType("form", (("content-type", "application/x-www-form-urlencoded"),)),  # curl -d
    ContentType("text", (("content-type", "text/plain; charset=utf-8"),)),
    ContentType("none", ()),
    ContentType("binary cloudevent", tuple(CLOUDEVENT_HEADERS.items())),
    ContentType("structured cloudevent", (("content-type", "application/cloudevents+json"),)),
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


async def docs_schema(client: Any) -> dict[str, Any]:
    """Assert ``/docs`` answers with Swagger UI from the installed package (its script is
    served here, not from a CDN), and return the OpenAPI schema the page reads. ``client``:
    an ``httpx.AsyncClient`` on the app or on a real server's URL."""
    page = await client.get("/docs")
    assert page.status_code == 200, page.text[:300]
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    script = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    schema = await client.get("/openapi.json")
    assert schema.status_code == 200, schema.text[:300]
    return schema.json()


async def assert_post_only(client: Any, path: str, example: Any = None) -> None:
    """Assert every method but POST on ``path`` (a POST-only route) gets 405
    ``MethodNotAllowed`` with ``Allow: POST`` and a message saying to POST the JSON body,
    quoting ``example`` as the body to send when given. ``client``: an
    ``httpx.AsyncClient``."""
    for method in ("GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"):
        response = await client.request(method, path)
        assert response.status_code == 405, (method, response.status_code, response.text[:300])
        assert response.headers["allow"] == "POST", method
        if method == "HEAD":
            continue
        message = assert_error(response, 405, "MethodNotAllowed")["message"]
        assert message.startswith(f"{method} is not allowed here: POST the request"), message
        if example is not None:
            assert f"-d '{json.dumps(example, ensure_ascii=False)}'" in message, message


def assert_no_server_error(response: Any) -> None:
    """For endpoints where a body's exact answer is not defined (e.g. ORES parameters that
    may come from a form): anything but a 5xx, and a 4xx in the one JSON error shape."""
    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}, response.text[:300]
    assert "Traceback" not in response.text


def model_post_routes(name: str) -> tuple[str, ...]:
    """The POST routes KServe's app has for a model: V1 ``:predict`` and ``:explain``, and
    V2 ``infer`` (a service adds its own, e.g. revscoring's ``/v3/precache``)."""
    return (
        f"/v1/models/{name}:predict",
        f"/v1/models/{name}:explain",
        f"/v2/models/{name}/infer",
    )


def table_answer(case: BadBody) -> tuple[int, str]:
    """The status and error type :data:`BAD_BODIES` gives ``case``."""
    return case.status, case.error_type


def unimplemented_answer(case: BadBody) -> tuple[int, str]:
    """A route a server does not implement (``:explain`` without an explainer): the body
    is still decoded (the table's answer), and a well-formed one gets 501."""
    return (501, "NotImplemented") if case.fields_only else table_answer(case)


def bad_body_failures(
    base_url: str,
    path: str,
    answer: Callable[[BadBody], tuple[int, str]] | None = table_answer,
    bodies: tuple[BadBody, ...] = BAD_BODIES,
) -> list[str]:
    """Send every body of ``bodies`` (the shared :data:`BAD_BODIES`, or a service's table
    that extends it) under every :data:`CONTENT_TYPES` to ``path`` of a
    server listening on ``base_url`` (a real socket: uvicorn's HTTP parsing, limits and
    keep-alive, not an ASGI transport), one connection for all; what went wrong, one line
    each (empty: every answer was right). Each must get ``answer(case)`` (default: its
    table status and error type); ``answer=None``, for routes whose parameters may come
    from a form (ORES's): anything but a 5xx, a 4xx in the one JSON error shape."""
    failures = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for case in bodies:
            for content_type in CONTENT_TYPES:
                label = f"{path} {case} as {content_type}"
                try:
                    response = client.post(path, content=case.body, headers=content_type.headers)
                    if answer is None:
                        assert_no_server_error(response)
                    else:
                        assert_error(response, *answer(case))
                except (AssertionError, ValueError, httpx.HTTPError) as error:
                    failures.append(f"{label}: {error!r}"[:400])
    return failures


# -- real server processes ------------------------------------------------------------

_PASSED_THROUGH = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "NLTK_DATA",
)


def server_env(**settings: Any) -> dict[str, str]:
    """A clean environment for a server process: a few of ours (PATH, HOME, NLTK_DATA...)
    plus ``settings``, named as in the settings classes (case-insensitive)."""
    env = {key: value for key, value in os.environ.items() if key in _PASSED_THROUGH}
    env.setdefault("PATH", "/usr/bin:/bin")
    env.update({key.upper(): str(value) for key, value in settings.items()})
    return env


def run_entry_point(
    module: str, cwd: Path, *, timeout: float = 120, **settings: Any
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m module`` to completion (start-up failures) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", module],
        cwd=cwd,
        env=server_env(**settings),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class ServerProcess:
    """A server started by :func:`serving`: its base URL, process and log."""

    url: str
    process: subprocess.Popen[str]
    log: Path

    def output(self) -> str:
        """What the server wrote to stderr so far (a file: a pipe could fill and block)."""
        return self.log.read_text(errors="replace")


@contextmanager
def serving(
    module: str,
    cwd: Path,
    *,
    ready_path: str,
    args: tuple[str, ...] = (),
    timeout: float = 90,
    **settings: Any,
) -> Iterator[ServerProcess]:
    """Start ``python -m module`` exactly as production does, on a free loopback port,
    wait until ``ready_path`` answers 200, and stop it with SIGTERM at the end (the
    exit code is then in ``.process.returncode``)."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"{module}-", suffix=".log")[1])
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=cwd,
            env=server_env(http_port=port, **settings),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(server.url + ready_path):
            if process.poll() is not None:
                raise AssertionError(f"{module} exited: {server.output()[-2000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{module} did not become ready in {timeout:.0f} s")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise AssertionError(f"{module} did not stop within 30 s of SIGTERM") from None


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
