"""A fast MediaWiki Action API replay server on loopback, answering from the corpus.

    python benchmarks/replay.py --corpus benchmarks/.cache/corpus-....json --port 8181

It answers ``POST`` (form) and ``GET`` requests to ``/w/api.php`` with ``formatversion=2``
JSON, for exactly the queries the services send:

* ``prop=revisions&revids=A|B|...`` (``rvprop`` honoured, ``rvslots=main`` or legacy
  top-level content; unknown ids under ``badrevids``), revisions grouped by page;
* ``prop=revisions&pageids=N&rvdir=newer&rvlimit=1``: the page's first revision;
* ``list=users&ususers=...&usprop=...``;
* ``titles=T`` or ``pageids=N`` (``redirects=1``): the page, or ``missing``;
* ``pageids=N&generator=links&gpllimit=max&prop=pageprops&ppprop=wikibase_item``: the
  pages it links to with their Wikidata ids, 500 a call, with ``continue``.

Anything else gets an API error (``badvalue``), so a new query a service starts to send
shows up as errors in the benchmark rather than as silently wrong data. Each distinct
query is computed once and its bytes are kept, so the server spends microseconds per
call; the harness reports its CPU time per run to show it is never the bottleneck.
``GET /_stats`` returns the number of API calls served so far.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from corpus import Corpus

LINKS_PER_CALL = 500


def _values(raw: str | None) -> list[str]:
    if not raw:
        return []
    if raw.startswith("\x1f"):
        return raw[1:].split("\x1f")
    return raw.split("|")


def _error(code: str, info: str) -> dict[str, Any]:
    return {"error": {"code": code, "info": info}, "servedby": "replay"}


class Api:
    """The API's answers (plain dicts) to a parameter mapping."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def answer(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("format") != "json" or params.get("formatversion") != "2":
            return _error("badvalue", "the replay server answers format=json&formatversion=2")
        if params.get("action") != "query":
            return _error("badvalue", f"unsupported action {params.get('action')!r}")
        if params.get("list") == "users":
            return self.users(params)
        if params.get("generator") == "links":
            return self.links(params)
        if params.get("prop") == "revisions" and "revids" in params:
            return self.revisions(params)
        if params.get("prop") == "revisions" and "pageids" in params:
            return self.first_revision(params)
        if "prop" not in params and ("titles" in params or "pageids" in params):
            return self.page_info(params)
        return _error("badvalue", f"unsupported query {sorted(params)}")

    def revisions(self, params: dict[str, str]) -> dict[str, Any]:
        props = set(_values(params.get("rvprop") or "ids|timestamp|flags|comment|user"))
        slots = "rvslots" in params
        pages: dict[int, dict[str, Any]] = {}
        bad = {}
        for raw in _values(params["revids"]):
            try:
                rev_id = int(raw)
            except ValueError:
                return _error("badinteger", f"invalid value {raw!r} for revids")
            rev = self.corpus.revisions.get(rev_id)
            if rev is None:
                bad[str(rev_id)] = {"revid": rev_id, "missing": True}
                continue
            page = pages.setdefault(
                rev["pageid"], {**self.corpus.page_fields(rev["pageid"]), "revisions": []}
            )
            page["revisions"].append(self.corpus.revision_doc(rev_id, props, slots))
        query: dict[str, Any] = {}
        if bad:
            query["badrevids"] = bad
        query["pages"] = sorted(pages.values(), key=lambda p: p["pageid"])
        return {"batchcomplete": True, "query": query}

    def first_revision(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("rvdir") != "newer" or params.get("rvlimit") != "1":
            return _error("badvalue", "pageids with prop=revisions needs rvdir=newer&rvlimit=1")
        ids = _values(params["pageids"])
        if len(ids) != 1:
            return _error("multipages", "rvlimit may only be used with a single page")
        props = set(_values(params.get("rvprop") or "ids|timestamp|flags|comment|user"))
        page_id = int(ids[0])
        if page_id not in self.corpus.pages:
            return {
                "batchcomplete": True,
                "query": {"pages": [{"pageid": page_id, "missing": True}]},
            }
        first = self.corpus.first_rev_id(page_id)
        doc = self.corpus.revision_doc(first, props, "rvslots" in params)
        page = {**self.corpus.page_fields(page_id), "revisions": [doc]}
        answer: dict[str, Any] = {"query": {"pages": [page]}}
        if len(self.corpus.pages[page_id]["revids"]) > 1:
            second = self.corpus.pages[page_id]["revids"][1]
            answer["continue"] = {"rvcontinue": f"x|{second}", "continue": "||"}
        else:
            answer["batchcomplete"] = True
        return answer

    def users(self, params: dict[str, str]) -> dict[str, Any]:
        props = set(_values(params.get("usprop")))
        users = [self.corpus.user_doc(name, props) for name in _values(params.get("ususers"))]
        return {"batchcomplete": True, "query": {"users": users}}

    def page_info(self, params: dict[str, str]) -> dict[str, Any]:
        pages = []
        for title in _values(params.get("titles")):
            page = self.corpus.by_title.get(title.replace("_", " "))
            if page is None:
                pages.append({"ns": 0, "title": title, "missing": True})
            else:
                pages.append(self.corpus.page_fields(page["pageid"]))
        for raw in _values(params.get("pageids")):
            page_id = int(raw)
            if page_id in self.corpus.pages:
                pages.append(self.corpus.page_fields(page_id))
            else:
                pages.append({"pageid": page_id, "missing": True})
        return {"batchcomplete": True, "query": {"pages": pages}}

    def links(self, params: dict[str, str]) -> dict[str, Any]:
        ids = _values(params.get("pageids"))
        if len(ids) != 1 or int(ids[0]) not in self.corpus.pages:
            return {"batchcomplete": True, "query": {"pages": []}}
        page_id = int(ids[0])
        limit = params.get("gpllimit", "10")
        limit_n = LINKS_PER_CALL if limit == "max" else min(int(limit), LINKS_PER_CALL)
        offset = int(params["gplcontinue"].split("|")[-1]) if "gplcontinue" in params else 0
        titles = self.corpus.links(page_id)
        chunk = titles[offset : offset + limit_n]
        with_props = params.get("prop") == "pageprops"
        pages = [self.corpus.link_target_doc(t, with_props) for t in chunk]
        answer: dict[str, Any] = {"query": {"pages": pages}}
        if offset + limit_n < len(titles):
            answer["continue"] = {
                "gplcontinue": f"{page_id}|0|{offset + limit_n}",
                "continue": "gplcontinue||",
            }
        else:
            answer["batchcomplete"] = True
        return answer


def make_app(corpus: Corpus) -> web.Application:
    api = Api(corpus)
    answers: dict[tuple, bytes] = {}
    stats = {"calls": 0, "distinct": 0}

    async def handle(request: web.Request) -> web.Response:
        if request.method == "POST":
            form = await request.post()
            params = {k: str(v) for k, v in form.items()}
            params.update({k: v for k, v in request.query.items() if k not in params})
        else:
            params = dict(request.query)
        stats["calls"] += 1
        key = tuple(sorted(params.items()))
        body = answers.get(key)
        if body is None:
            if len(answers) > 20_000:
                answers.clear()
            body = json.dumps(api.answer(params), separators=(",", ":")).encode()
            answers[key] = body
            stats["distinct"] += 1
        return web.Response(body=body, content_type="application/json")

    async def stats_handler(request: web.Request) -> web.Response:
        return web.json_response(stats)

    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_route("*", "/w/api.php", handle)
    app.router.add_get("/_stats", stats_handler)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop  # type: ignore[import-not-found]

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    app = make_app(Corpus.load(args.corpus))
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
