"""The MediaWiki API documents of an edit (``formatversion=2``), and reading them: the
main slot and its text. Pure: it imports no HTTP client, so feature code in pool workers
can use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .errors import TextDeleted, UpstreamError


@dataclass(frozen=True)
class EditContext:
    """The four documents of an edit, as plain API data (so they can cross into a worker
    process), fetched by :func:`inference_common.edit_context.fetch_edit_contexts`:

    * ``revision``: the edit (``prop=revisions`` with ``rvslots=main``), with its page's
      ``pageid``, ``ns`` and ``title`` under ``"page"``;
    * ``parent``: its parent revision, the same way (``None`` for a page creation or when
      not fetched);
    * ``user``: the editor's ``list=users`` entry (``None`` for anonymous or hidden editors
      or when not fetched);
    * ``page_creation``: the page's first revision (``rvdir=newer&rvlimit=1``; ``None``
      for a page creation or when not fetched).
    """

    revision: dict[str, Any]
    parent: dict[str, Any] | None = None
    user: dict[str, Any] | None = None
    page_creation: dict[str, Any] | None = None

    @property
    def rev_id(self) -> int:
        """The id of the edit."""
        return int(self.revision["revid"])


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


__all__ = ["EditContext", "main_slot", "require_text"]
