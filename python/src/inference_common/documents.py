"""Reading MediaWiki's revision documents (``formatversion=2``): the main slot and its
text. Pure: it imports no HTTP client, so feature code in pool workers can use it."""

from __future__ import annotations

from typing import Any, Mapping

from .errors import TextDeleted, UpstreamError


def require_text(revision: Mapping[str, Any]) -> str:
    """The main-slot text of a revision fetched with content, or :class:`TextDeleted`."""
    rev_id = revision.get("revid")
    if revision.get("texthidden") or revision.get("suppressed"):
        raise TextDeleted(f"the text of revision {rev_id} is deleted or suppressed")
    main = main_slot(revision)
    if main.get("texthidden") or main.get("textmissing"):
        raise TextDeleted(f"the text of revision {rev_id} is deleted or suppressed")
    content = main.get("content", revision.get("content"))
    if not isinstance(content, str):
        raise UpstreamError(f"MediaWiki answered revision {rev_id} without its text")
    return content


def main_slot(revision: Mapping[str, Any]) -> dict[str, Any]:
    """The main slot of a revision document (``{}`` when it has none)."""
    main = (revision.get("slots") or {}).get("main")
    return main if isinstance(main, dict) else {}


__all__ = ["main_slot", "require_text"]
