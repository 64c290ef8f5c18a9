"""Fixtures of the revscoring server tests.

They chain settings -> served models -> engine/app -> httpx client:

* ``demo_models``: the project's demo models (one per model type), trained once into
  ``revscoring/.cache/demo-models`` and reused while the training code is unchanged;
* ``models_dir``: a MODELS_DIR holding only some of them (symlinks), so that a test loads
  just the models it needs;
* ``start_server``: ``async with start_server(models_dir=..., wiki_url=...) as server``
  builds the models as ``python -m revscoring_server`` does, starts them, and gives an
  ``httpx.AsyncClient`` on KServe's app (``/v1/models/...``) plus the ORES v3 routes;
* ``memory_wiki``: an in-memory MediaWiki API (formatversion=2) behind a real
  :class:`MediaWikiClient` whose every API call is recorded, for engine unit tests;
* ``wiki_proxy``: an aiohttp.web server on loopback in front of the embedded MediaWiki
  that counts API calls and can be told to fail (HTTP 500, malformed JSON, slowness);
* ``recording_eventgate``: an aiohttp.web server on loopback that records posted events;
* ``redis_url``: a real ``redis-server`` on a free loopback port, for the session.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterable, Mapping

import httpx
import pytest
from aiohttp import ClientSession, ClientTimeout, web

SERVICE_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = SERVICE_DIR.parent
if str(SERVICE_DIR) not in sys.path:  # plain `pytest tests` does not put it there
    sys.path.insert(0, str(SERVICE_DIR))

import revscoring  # noqa: E402,F401  - the library (this directory is not a package)

from inference_common.mediawiki import Endpoint, MediaWikiClient  # noqa: E402
from inference_common.server import build_app  # noqa: E402
from inference_common.testing import free_port  # noqa: E402,F401 (tests import it from here)
from revscoring_server.model import RevscoringModel, build_models, ores_routers  # noqa: E402
from revscoring_server.settings import RevscoringSettings  # noqa: E402

pytest_plugins = ["inference_common.embedded_wiki.fixtures"]

DEMO_MODELS_DIR = SERVICE_DIR / ".cache" / "demo-models"
DEMO_WORD2VEC_DIR = DEMO_MODELS_DIR / "word2vec"  # the topic models' vectors (WORD2VEC_DIR)
ORES_MODELS_DIR = REPO_DIR.parent / "shared" / "models" / "ores"
# NLTK's stopwords for the server processes: $NLTK_DATA when set (worktrees), else ../shared
NLTK_DATA = Path(os.environ.get("NLTK_DATA") or REPO_DIR.parent / "shared" / "nltk_data")


# -- models ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_models() -> dict[str, Path]:
    """``{"enwiki-damaging": Path(.../model.bin), ...}``: every demo model, trained once."""
    from revscoring_tools.demo import ensure_demo_models

    return ensure_demo_models(DEMO_MODELS_DIR)


@pytest.fixture(scope="session")
def models_dir(
    demo_models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Path]:
    """``models_dir("enwiki-damaging", ...)``: a MODELS_DIR with only those demo models
    (``models_dir()``: all of them); ``files={"enwiki-damaging": path}`` adds (or replaces)
    a model file under that name."""
    made: dict[tuple, Path] = {}

    def make(*names: str, files: Mapping[str, Path] | None = None) -> Path:
        everything = not names and not files
        chosen = {name: demo_models[name] for name in (demo_models if everything else names)}
        chosen.update(files or {})
        key = tuple(sorted((name, str(path)) for name, path in chosen.items()))
        if key not in made:
            directory = tmp_path_factory.mktemp("models")
            for name, path in chosen.items():
                (directory / name).mkdir()
                (directory / name / "model.bin").symlink_to(path)
            made[key] = directory
        return made[key]

    return make


# -- the server ----------------------------------------------------------------------------


@dataclass
class Server:
    """One revscoring server (its models share one engine) and a client on its app."""

    settings: RevscoringSettings
    models: list[RevscoringModel]
    client: httpx.AsyncClient

    @property
    def engine(self) -> Any:
        return self.models[0].engine

    def model(self, name: str) -> RevscoringModel:
        return next(model for model in self.models if model.name == name)

    async def predict(self, name: str, body: Any) -> httpx.Response:
        """POST ``body`` (an object sent as JSON, or raw bytes/str) to ``name``'s predict."""
        url = f"/v1/models/{name}:predict"
        if isinstance(body, (bytes, str)):
            return await self.client.post(
                url, content=body, headers={"Content-Type": "application/json"}
            )
        return await self.client.post(url, json=body)

    async def score(self, name: str, rev_id: int, **extra: Any) -> dict[str, Any]:
        """The predict answer for ``rev_id``; fails the test unless it is a 200."""
        response = await self.predict(name, {"rev_id": rev_id, **extra})
        assert response.status_code == 200, response.text
        return response.json()


@asynccontextmanager
async def running_server(**settings: Any) -> AsyncIterator[Server]:
    """Build, start and (at exit) shut down a server with these settings (no retries of
    MediaWiki calls and 20 s per call unless the test says otherwise)."""
    values: dict[str, Any] = {
        "http_retries": 0,
        "http_timeout": 20,
        "word2vec_dir": DEMO_WORD2VEC_DIR,
        **settings,
    }
    config = RevscoringSettings(**values)
    models = build_models(config)
    for model in models:
        await model.startup()
    app = build_app(models, config, routers=ores_routers(models))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", timeout=120
        ) as client:
            yield Server(config, models, client)
    finally:
        for model in models:
            await model.shutdown()


@pytest.fixture(scope="session")
def start_server() -> Callable[..., Any]:
    """``async with start_server(**settings) as server:`` (settings as RevscoringSettings
    keyword arguments, e.g. ``models_dir=``, ``wiki_url=``, ``score_cache_size=0``)."""
    return running_server


@pytest.fixture(scope="session")
def wiki_url(embedded_wiki: Any) -> str:
    return str(embedded_wiki.base_url)


@pytest.fixture(scope="session")
def seed(embedded_wiki: Any) -> dict[str, Any]:
    return embedded_wiki.seed


@pytest.fixture(scope="session")
def article_revisions(seed: dict[str, Any]) -> list[int]:
    """English article revisions every wikitext model can score: all of the seed's but
    the one by a hidden user and the revert of a text-hidden revision (the edit models
    need the user and the parent)."""
    unscorable = {seed["revisions"]["user_hidden"], seed["revisions"]["text_deleted_revert"]}
    return [r for r in seed["all_article_revisions"] if r not in unscorable]


@pytest.fixture(scope="session")
async def demo_server(models_dir: Callable[..., Path], wiki_url: str) -> AsyncIterator[Server]:
    """Every demo model, on the embedded wiki, with the default (in-process) score cache."""
    async with running_server(models_dir=models_dir(), wiki_url=wiki_url) as server:
        yield server


# -- an in-memory MediaWiki API behind the real client ------------------------------------


@dataclass
class MemoryWiki:
    """A MediaWiki API in memory (``formatversion=2`` answers), enough for the engine:
    revisions by id (content, ``badrevids``, deleted text), a page's first revision, and
    ``list=users``. ``calls`` records the parameters of every API call."""

    pages: dict[int, dict[str, Any]] = field(default_factory=dict)
    revisions: dict[int, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    _next_rev: int = 1000

    def add_user(self, name: str, userid: int, editcount: int = 500) -> str:
        self.users[name] = {
            "userid": userid,
            "name": name,
            "editcount": editcount,
            "registration": "2015-04-01T10:00:00Z",
            "groups": ["*", "user", "autoconfirmed"],
            "emailable": False,
            "gender": "unknown",
        }
        return name

    def add_page(self, title: str, ns: int = 0) -> int:
        page_id = len(self.pages) + 1
        self.pages[page_id] = {"pageid": page_id, "ns": ns, "title": title, "revs": []}
        return page_id

    def edit(
        self,
        page_id: int,
        text: str,
        *,
        user: str = "198.51.100.7",
        comment: str = "",
        content_model: str = "wikitext",
        texthidden: bool = False,
    ) -> int:
        """Save a revision of ``page_id``; its id."""
        self._next_rev += 1
        rev_id = self._next_rev
        page = self.pages[page_id]
        info = self.users.get(user)
        revision: dict[str, Any] = {
            "revid": rev_id,
            "parentid": page["revs"][-1] if page["revs"] else 0,
            "minor": False,
            "user": user,
            "userid": info["userid"] if info else 0,
            "timestamp": f"2023-05-01T12:{len(self.revisions) % 60:02d}:00Z",
            "size": len(text.encode()),
            "comment": comment,
            "page_id": page_id,
            "content_model": content_model,
            "text": text,
            "texthidden": texthidden,
        }
        if info is None:
            revision["anon"] = True
        page["revs"].append(rev_id)
        self.revisions[rev_id] = revision
        return rev_id

    def _revision_doc(self, revision: dict[str, Any], with_content: bool) -> dict[str, Any]:
        hidden = ("page_id", "content_model", "text", "texthidden")
        doc = {k: v for k, v in revision.items() if k not in hidden}
        fmt = "application/json" if revision["content_model"] == "json" else "text/x-wiki"
        if not with_content:
            doc["contentmodel"] = revision["content_model"]
        elif revision["texthidden"]:
            doc["texthidden"] = True
            doc["slots"] = {
                "main": {
                    "contentmodel": revision["content_model"],
                    "contentformat": fmt,
                    "texthidden": True,
                }
            }
        else:
            doc["slots"] = {
                "main": {
                    "contentmodel": revision["content_model"],
                    "contentformat": fmt,
                    "content": revision["text"],
                }
            }
        return doc

    def _page_doc(self, page_id: int, revisions: list[dict[str, Any]]) -> dict[str, Any]:
        page = self.pages[page_id]
        return {
            "pageid": page_id,
            "ns": page["ns"],
            "title": page["title"],
            "revisions": revisions,
        }

    def answer(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The API's answer to ``params``."""
        self.calls.append(dict(params))
        assert params.get("action") == "query", params
        if params.get("list") == "users":
            names = list(params["ususers"])
            users = [self.users.get(name, {"name": name, "missing": True}) for name in names]
            return {"batchcomplete": True, "query": {"users": copy.deepcopy(users)}}
        assert params.get("prop") == "revisions", params
        with_content = "content" in str(params.get("rvprop", ""))
        if "pageids" in params:
            page_id = int(params["pageids"])
            first = self.revisions[self.pages[page_id]["revs"][0]]
            page = self._page_doc(page_id, [self._revision_doc(first, with_content)])
            return {"batchcomplete": True, "query": {"pages": [page]}}
        by_page: dict[int, list[dict[str, Any]]] = {}
        bad = []
        for rev_id in params["revids"]:
            revision = self.revisions.get(int(rev_id))
            if revision is None:
                bad.append({"revid": int(rev_id), "missing": True})
                continue
            by_page.setdefault(revision["page_id"], []).append(
                self._revision_doc(revision, with_content)
            )
        query: dict[str, Any] = {
            "pages": [self._page_doc(page_id, revs) for page_id, revs in by_page.items()]
        }
        if bad:
            query["badrevids"] = {str(item["revid"]): item for item in bad}
        return {"batchcomplete": True, "query": query}

    def calls_of(self, kind: str) -> list[dict[str, Any]]:
        """The recorded calls of one kind: ``revisions`` (by revids), ``creations`` (by
        pageids) or ``users``."""
        kinds = {
            "users": lambda c: c.get("list") == "users",
            "creations": lambda c: "pageids" in c,
            "revisions": lambda c: "revids" in c,
        }
        return [call for call in self.calls if kinds[kind](call)]


class MemoryClient(MediaWikiClient):
    """The real client (batching, error classification) with API calls answered by a
    :class:`MemoryWiki` instead of HTTP."""

    def __init__(self, wiki: MemoryWiki) -> None:
        super().__init__(user_agent="tests", retries=0)
        self.wiki = wiki

    async def call(self, endpoint: Endpoint, params: Mapping[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(self.wiki.delay)
        return copy.deepcopy(self.wiki.answer(params))


@pytest.fixture
def memory_wiki() -> MemoryWiki:
    return MemoryWiki()


# -- loopback stand-ins: a counting / fault-injecting MediaWiki proxy, EventGate -----------


@dataclass
class WikiProxy:
    """Forwards ``/w/api.php`` to the embedded wiki and records each call's parameters;
    ``mode`` makes it fail instead: ``"500"``, ``"malformed"`` (a 200 that is not JSON),
    ``"slow"`` (answers after ``slow_seconds``) or ``"pass"``."""

    upstream: str
    url: str = ""
    mode: str = "pass"
    slow_seconds: float = 30.0
    calls: list[dict[str, str]] = field(default_factory=list)

    def calls_of(self, kind: str) -> list[dict[str, str]]:
        """Recorded calls: ``revisions`` (by revids), ``creations`` (by pageids), ``users``."""
        kinds = {
            "users": lambda c: c.get("list") == "users",
            "creations": lambda c: "pageids" in c,
            "revisions": lambda c: "revids" in c,
        }
        return [call for call in self.calls if kinds[kind](call)]

    def reset(self, mode: str = "pass") -> None:
        self.calls.clear()
        self.mode = mode


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
async def wiki_proxy(embedded_wiki: Any) -> AsyncIterator[WikiProxy]:
    proxy = WikiProxy(upstream=str(embedded_wiki.api_url))
    session = ClientSession(timeout=ClientTimeout(total=60))

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        form = dict(await request.post()) if request.method == "POST" else {}
        params = {**request.query, **{k: str(v) for k, v in form.items()}}
        proxy.calls.append(params)
        if proxy.mode == "500":
            return web.Response(status=500, text="<html>Internal error</html>")
        if proxy.mode == "malformed":
            return web.Response(status=200, text="{not json", content_type="application/json")
        if proxy.mode == "slow":
            await asyncio.sleep(proxy.slow_seconds)
        headers = {"Content-Type": request.headers.get("Content-Type", "")}
        async with session.request(
            request.method, proxy.upstream, params=request.query, data=body, headers=headers
        ) as upstream:
            text = await upstream.read()
            return web.Response(status=upstream.status, body=text, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/w/api.php", handle)
    runner, proxy.url = await _serve(app)
    yield proxy
    await runner.cleanup()
    await session.close()


@dataclass
class EventRecorder:
    """Records the events posted to it; ``status`` is what it answers."""

    url: str = ""
    status: int = 201
    posts: list[Any] = field(default_factory=list)

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[Any]:
        """The events once ``count`` have arrived (fails the test after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.events) < count:
            assert time.monotonic() < deadline, f"only {len(self.events)} events arrived"
            await asyncio.sleep(0.05)
        return self.events

    @property
    def events(self) -> list[Any]:
        return [event for post in self.posts for event in post]


@pytest.fixture
async def recording_eventgate() -> AsyncIterator[EventRecorder]:
    recorder = EventRecorder()

    async def handle(request: web.Request) -> web.Response:
        recorder.posts.append(json.loads(await request.read()))
        return web.Response(status=recorder.status, text="{}", content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/events", handle)
    runner, base = await _serve(app)
    recorder.url = base + "/v1/events"
    yield recorder
    await runner.cleanup()


# -- Redis ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterable[str]:
    """A real redis-server on a free loopback port (no persistence), for the session."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
