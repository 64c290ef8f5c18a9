"""What the revscoring tests share besides fixtures (those are in ``conftest.py``): the
paths they read, a server on KServe's app (:class:`Server`, :func:`running_server`), an
in-memory MediaWiki API behind the real client (:class:`MemoryWiki`, :class:`MemoryClient`),
and loopback stand-ins (:class:`WikiProxy`, :class:`EventRecorder`, :func:`serve_app`).
Tests import them from here: ``from tests.support import Server``.
"""

from __future__ import annotations

import asyncio
import copy
import os
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Mapping

import httpx
from aiohttp import web

from inference_common.mediawiki import Endpoint, MediaWikiClient
from inference_common.resources import SharedResources
from inference_common.app import build_app
from inference_common.http import HttpClient, RetryPolicy
from inference_common.lifespan import lifespan
from inference_testing.harness import free_port
from revscoring_server.model import RevscoringModel, build_service
from revscoring_server.settings import RevscoringSettings

SERVICE_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = SERVICE_DIR.parent
DEMO_MODELS_DIR = SERVICE_DIR / ".cache" / "demo-models"
DEMO_WORD2VEC_DIR = DEMO_MODELS_DIR / "word2vec"  # the topic models' vectors (WORD2VEC_DIR)
ORES_MODELS_DIR = REPO_DIR.parent / "shared" / "models" / "ores"
# NLTK's stopwords for the server processes: $NLTK_DATA when set (tox sets it), else ../shared
NLTK_DATA = Path(os.environ.get("NLTK_DATA") or REPO_DIR.parent / "shared" / "nltk_data")

__all__ = [
    "DEMO_MODELS_DIR",
    "DEMO_WORD2VEC_DIR",
    "NLTK_DATA",
    "ORES_MODELS_DIR",
    "REPO_DIR",
    "SERVICE_DIR",
    "EventRecorder",
    "MemoryClient",
    "MemoryWiki",
    "Server",
    "WikiProxy",
    "build_models",
    "free_port",
    "running_server",
    "serve_app",
]


# -- a server on KServe's app ----------------------------------------------------------------


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
    resources = SharedResources(config)
    service = build_service(config, resources)
    models = list(service.models)
    app = build_app(
        models,
        config,
        routers=service.routers,
        inference_routes=service.inference_routes,
        resources=resources,
    )
    transport = httpx.ASGITransport(app=app)
    async with lifespan(models, resources):
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", timeout=120
        ) as client:
            yield Server(config, models, client)


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
        # an HTTP client that is never used (never opens a session): no call goes out
        super().__init__(HttpClient(user_agent="tests", retry=RetryPolicy(retries=0)))
        self.wiki = wiki

    async def call(self, endpoint: Endpoint, params: Mapping[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(self.wiki.delay)
        return copy.deepcopy(self.wiki.answer(params))


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
    methods: list[str] = field(default_factory=list)  # the HTTP method of each call

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
        self.methods.clear()
        self.mode = mode


async def serve_app(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


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


def build_models(settings: RevscoringSettings) -> list[RevscoringModel]:
    """The models alone, as the server builds them (on resources of their own that
    nothing starts)."""
    return list(build_service(settings, SharedResources(settings)).models)  # type: ignore[arg-type]
