"""A MediaWiki client that answers from documents in memory and records every call.

Only :meth:`call` is replaced: the shared client's own batching, ``badrevids`` handling
and continuation run as in production, so tests see the real number of API calls.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from inference_common.errors import UpstreamUnavailable
from inference_common.http import HttpClient
from inference_common.mediawiki import Endpoint, MediaWikiClient

from revert_risk_tools.synthetic import Example


def _ids(value: Any) -> list[int]:
    items = value if isinstance(value, (list, tuple)) else str(value).split("|")
    return [int(item) for item in items]


class FakeWikiClient(MediaWikiClient):
    """Revisions, users and first revisions of pages, served from dicts."""

    def __init__(self) -> None:
        super().__init__(HttpClient(user_agent="tests"))  # never used: no call goes out
        self.revisions_by_id: dict[int, dict[str, Any]] = {}
        self.users_by_name: dict[str, dict[str, Any]] = {}
        self.first_by_page: dict[int, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.hosts: list[str] = []  # the wiki each call was for
        self.down = False

    def add(self, example: Example) -> "FakeWikiClient":
        for revision in (example.revision, example.parent):
            if revision is not None:
                self.revisions_by_id[revision["revid"]] = revision
        if example.user is not None:
            self.users_by_name[example.user["name"]] = example.user
        if example.page_creation is not None:
            self.first_by_page[example.revision["page"]["pageid"]] = example.page_creation
        return self

    def add_all(self, examples: Iterable[Example]) -> "FakeWikiClient":
        for example in examples:
            self.add(example)
        return self

    def kinds(self) -> list[str]:
        """What each call asked for: 'revisions', 'users' or 'page_creation'."""
        return [kind for kind, _ in self.calls]

    async def call(self, endpoint: Endpoint, params: Mapping[str, Any]) -> dict[str, Any]:
        if self.down:
            raise UpstreamUnavailable("MediaWiki (fake) unreachable")
        params = dict(params)
        self.hosts.append(endpoint.wiki_host)
        if "revids" in params:
            self.calls.append(("revisions", params))
            return self._revisions(_ids(params["revids"]))
        if "ususers" in params:
            self.calls.append(("users", params))
            names = params["ususers"]
            names = names if isinstance(names, list) else str(names).split("|")
            return {
                "query": {
                    "users": [
                        self.users_by_name.get(name, {"name": name, "missing": True})
                        for name in names
                    ]
                }
            }
        if "pageids" in params and params.get("rvdir") == "newer":
            self.calls.append(("page_creation", params))
            page_id = int(params["pageids"])
            first = self.first_by_page.get(page_id)
            page = {"pageid": page_id, "ns": 0, "title": f"Page {page_id}"}
            if first is not None:
                page["revisions"] = [first]
            return {"query": {"pages": [page]}}
        raise AssertionError(f"unexpected API call {params}")

    def _revisions(self, ids: list[int]) -> dict[str, Any]:
        pages: dict[int, dict[str, Any]] = {}
        bad = []
        for rev_id in ids:
            revision = self.revisions_by_id.get(rev_id)
            if revision is None:
                bad.append(rev_id)
                continue
            page = revision["page"]
            entry = pages.setdefault(page["pageid"], {**page, "revisions": []})
            entry["revisions"].append({k: v for k, v in revision.items() if k != "page"})
        query: dict[str, Any] = {"pages": list(pages.values())}
        if bad:
            query["badrevids"] = {str(rev_id): {"revid": rev_id, "missing": True} for rev_id in bad}
        return {"batchcomplete": True, "query": query}
