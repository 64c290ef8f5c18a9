"""Input events as EventGate streams carry them (trimmed to the fields that matter)."""

from __future__ import annotations

from typing import Any


def page_change(
    title: str, page_id: int, rev_id: int, *, domain: str = "en.wikipedia.org"
) -> dict[str, Any]:
    """A ``mediawiki/page/change`` event for an edit of ``title``."""
    return {
        "$schema": "/mediawiki/page/change/1.1.0",
        "meta": {
            "stream": "mediawiki.page_change.v1",
            "domain": domain,
            "uri": f"https://{domain}/wiki/{title.replace(' ', '_')}",
            "request_id": "4f0a1c2e-page-change",
            "id": "5d3c0e4a-0000-4000-8000-000000000001",
            "dt": "2024-06-01T12:00:00Z",
        },
        "dt": "2024-06-01T12:00:00Z",
        "wiki_id": domain.split(".")[0].replace("-", "_") + "wiki",
        "page_change_kind": "edit",
        "changelog_kind": "update",
        "page": {
            "page_id": page_id,
            "page_title": title.replace(" ", "_"),
            "namespace_id": 0,
            "is_redirect": False,
        },
        "revision": {"rev_id": rev_id, "rev_parent_id": rev_id - 1, "rev_dt": "2024-06-01"},
        "performer": {"user_text": "Example", "user_id": 7, "is_bot": False},
    }


def revision_create(title: str, page_id: int, rev_id: int) -> dict[str, Any]:
    """A ``mediawiki/revision/create`` event for ``title``."""
    return {
        "$schema": "/mediawiki/revision/create/1.1.0",
        "meta": {"stream": "mediawiki.revision-create", "domain": "en.wikipedia.org"},
        "database": "enwiki",
        "page_id": page_id,
        "page_title": title.replace(" ", "_"),
        "page_namespace": 0,
        "rev_id": rev_id,
        "rev_parent_id": rev_id - 1,
    }
