"""An edit's documents picked out of whole MediaWiki API answers (``formatversion=2``, or
1), for the demo models' recorded answers and for tests; the server gets them from
:func:`inference_common.edit_context.fetch_edit_contexts` instead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inference_common.documents import EditContext
from revscoring_server.revision_docs import DocumentError

Doc = Mapping[str, Any]


def edit_context_from_responses(
    rev_id: int,
    revision_response: Doc,
    parent_response: Doc | None = None,
    users_response: Doc | None = None,
    page_creation_response: Doc | None = None,
) -> EditContext:
    """Pick the documents about ``rev_id`` out of whole API answers (which may be batched
    answers about many revisions and users)."""
    revision = revision_from_response(revision_response, rev_id)
    parent_id = int(revision.get("parentid") or 0)
    parent = None
    if parent_response is not None and parent_id:
        parent = revision_from_response(parent_response, parent_id)
    user = None
    if users_response is not None and int(revision.get("userid") or 0) > 0:
        user = user_from_response(users_response, str(revision.get("user")))
    creation = None
    if page_creation_response is not None:
        creation = first_revision_from_response(page_creation_response)
    return EditContext(revision=revision, parent=parent, user=user, page_creation=creation)


def _pages(response: Doc) -> list[Doc]:
    pages = response.get("query", {}).get("pages", [])
    if isinstance(pages, Mapping):  # formatversion=1 answers, tolerated
        pages = list(pages.values())
    return [page for page in pages if isinstance(page, Mapping)]


def _with_page(revision: Doc, page: Doc) -> dict[str, Any]:
    page_fields = {key: page[key] for key in ("pageid", "ns", "title") if key in page}
    return {**revision, "page": page_fields}


def revision_from_response(response: Doc, rev_id: int) -> dict[str, Any]:
    """The revision ``rev_id`` of a ``prop=revisions`` answer, with its page attached."""
    for page in _pages(response):
        for revision in page.get("revisions", []):
            if int(revision.get("revid", -1)) == int(rev_id):
                return _with_page(revision, page)
    raise DocumentError(f"revision {rev_id} is not in the API answer")


def first_revision_from_response(response: Doc) -> dict[str, Any]:
    """The only revision of a page creation answer (``rvdir=newer&rvlimit=1``)."""
    for page in _pages(response):
        revisions = page.get("revisions", [])
        if revisions:
            return _with_page(revisions[0], page)
    raise DocumentError("the page creation answer has no revision")


def user_from_response(response: Doc, name: str) -> dict[str, Any]:
    """The entry for user ``name`` of a ``list=users`` answer."""
    for user in response.get("query", {}).get("users", []):
        if user.get("name") == name and not user.get("missing") and not user.get("invalid"):
            return dict(user)
    raise DocumentError(f"user {name!r} is not in the API answer")
