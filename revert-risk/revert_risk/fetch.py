"""What an edit's features need from MediaWiki, for many revisions of one wiki at once.

For the revisions of one wiki (a batch is grouped by language first), the calls are:

1. the revisions with their text (``prop=revisions&revids=...``, 50 ids a call);
2. at the same time, once 1. has answered:
   - their parents with text (one more ``revids`` call; parents that are themselves in
     the batch are not fetched twice),
   - their registered editors (``list=users``, 50 names a call),
   - each page's first revision, for the page's age (``rvdir=newer&rvlimit=1``: the API
     allows this for one page per call, so it is one call per distinct page, and none for
     page creations).

A batch of 20 edits of 20 pages of one wiki costs 23 calls in two sequential rounds; 20
edits of one page cost 4. (Parents and users could share one request, ``prop=revisions``
with ``list=users``; they are two concurrent calls of the same round, through the shared
client's ``revisions`` and ``users``.)
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Iterable

from inference_common.errors import ModelServerError, RevisionNotFound, TextDeleted
from inference_common.mediawiki import Endpoint, MediaWikiClient

from .features import revision_text


@dataclass(frozen=True)
class EditDocuments:
    """The API documents :func:`revert_risk.features.extract_features` takes (plain data,
    so it can cross into a worker process)."""

    revision: dict[str, Any]
    parent: dict[str, Any] | None
    user: dict[str, Any] | None
    first_revision: dict[str, Any] | None

    def as_args(self) -> tuple[Any, ...]:
        return (self.revision, self.parent, self.user, self.first_revision)


def _parent_id(revision: dict[str, Any]) -> int:
    parent = revision.get("parentid")
    return parent if isinstance(parent, int) and parent > 0 else 0


def _page_id(revision: dict[str, Any]) -> int | None:
    page_id = (revision.get("page") or {}).get("pageid")
    return page_id if isinstance(page_id, int) and page_id > 0 else None


def _registered_name(revision: dict[str, Any]) -> str | None:
    if revision.get("anon") or revision.get("temp") or revision.get("userhidden"):
        return None
    name = revision.get("user")
    return name if isinstance(name, str) and name and revision.get("userid") else None


async def fetch_edits(
    client: MediaWikiClient, endpoint: Endpoint, rev_ids: Iterable[int]
) -> dict[int, EditDocuments | ModelServerError]:
    """Each revision id mapped to its documents, or to why it cannot be scored
    (:class:`RevisionNotFound`, :class:`TextDeleted`, :class:`UnsupportedContent`).

    A failure of MediaWiki itself (unreachable, HTTP or API error) is raised: it concerns
    every revision asked for."""
    wanted = list(dict.fromkeys(rev_ids))
    fetched = await client.revisions(endpoint, wanted)
    results: dict[int, EditDocuments | ModelServerError] = {}
    usable: dict[int, dict[str, Any]] = {}
    for rev_id in wanted:
        found = fetched.get(rev_id)
        if isinstance(found, ModelServerError) or found is None:
            results[rev_id] = found or RevisionNotFound(f"revision {rev_id} was not returned")
            continue
        try:
            revision_text(found)
        except ModelServerError as error:
            results[rev_id] = error
            continue
        usable[rev_id] = found

    parent_ids = {_parent_id(rev) for rev in usable.values()} - {0} - set(fetched)
    names = {name for rev in usable.values() if (name := _registered_name(rev))}
    page_ids = sorted(
        {page_id for rev in usable.values() if _parent_id(rev) and (page_id := _page_id(rev))}
    )

    async def no_parents() -> dict[int, dict[str, Any] | ModelServerError]:
        return {}

    async def no_users() -> dict[str, dict[str, Any]]:
        return {}

    parents, users, first_by_page = await asyncio.gather(
        client.revisions(endpoint, sorted(parent_ids)) if parent_ids else no_parents(),
        client.users(endpoint, sorted(names)) if names else no_users(),
        client.first_revisions(endpoint, page_ids, props="ids|timestamp"),
    )
    all_revisions = {**fetched, **parents}

    for rev_id, revision in usable.items():
        parent_id = _parent_id(revision)
        parent = all_revisions.get(parent_id) if parent_id else None
        if parent_id and not isinstance(parent, dict):
            results[rev_id] = TextDeleted(
                f"revision {parent_id}, the parent of revision {rev_id}, is deleted or missing"
            )
            continue
        name = _registered_name(revision)
        results[rev_id] = EditDocuments(
            revision=revision,
            parent=parent,
            user=users.get(name) if name else None,
            first_revision=first_by_page.get(_page_id(revision)) if parent_id else None,
        )
    return results
