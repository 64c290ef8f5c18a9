"""Fetch what revscoring needs about many revisions at once, asynchronously.

All revisions of a request are fetched together (50 ids per API call, calls concurrent),
then their parents and users likewise, and page creations per page, concurrently. The
result is one :class:`~.revision_docs.RevisionDocs` per revision, or the error that says
why that revision cannot be scored, so a batch reports errors per revision.
"""

from __future__ import annotations

import asyncio
from typing import Any, Iterable

from inference_common.errors import ModelServerError, RevisionNotFound, TextDeleted, UserDeleted
from inference_common.mediawiki import Endpoint, MediaWikiClient, require_text

from .model_types import RevisionNeeds
from .revision_docs import PAGE_CREATION_PROPS, REVISION_PROPS, USER_PROPS, RevisionDocs


def union_needs(needs: Iterable[RevisionNeeds]) -> RevisionNeeds:
    """What a set of models needs together."""
    needs = list(needs)
    return RevisionNeeds(
        parent=any(n.parent for n in needs),
        user_info=any(n.user_info for n in needs),
        page_creation=any(n.page_creation for n in needs),
    )


Fetched = dict[int, RevisionDocs | ModelServerError]


async def fetch_revision_docs(
    client: MediaWikiClient, endpoint: Endpoint, rev_ids: Iterable[int], needs: RevisionNeeds
) -> Fetched:
    """The documents of each revision in ``rev_ids`` (or its error)."""
    revisions = await client.revisions(endpoint, rev_ids, props=REVISION_PROPS)
    usable: dict[int, dict[str, Any]] = {}
    result: Fetched = {}
    for rev_id, revision in revisions.items():
        try:
            if isinstance(revision, ModelServerError):
                raise revision
            require_text(revision)
            if needs.user_info and revision.get("userhidden"):
                raise UserDeleted(f"the user of revision {rev_id} is deleted or suppressed")
            usable[rev_id] = revision
        except ModelServerError as error:
            result[rev_id] = error

    parent_ids = {int(r["parentid"]) for r in usable.values() if r.get("parentid")}
    user_names = {str(r["user"]) for r in usable.values() if int(r.get("userid") or 0) > 0}
    page_ids = {int(r["page"]["pageid"]) for r in usable.values() if r.get("parentid")}
    parents_task = (
        client.revisions(endpoint, parent_ids, props=REVISION_PROPS)
        if needs.parent and parent_ids
        else _nothing()
    )
    users_task = (
        client.users(endpoint, user_names, props=USER_PROPS)
        if needs.user_info and user_names
        else _nothing()
    )
    creations_task = (
        client.first_revisions(endpoint, page_ids, props=PAGE_CREATION_PROPS)
        if needs.page_creation and page_ids
        else _nothing()
    )
    parents, users, creations = await asyncio.gather(parents_task, users_task, creations_task)

    for rev_id, revision in usable.items():
        try:
            result[rev_id] = _assemble(revision, needs, parents, users, creations)
        except ModelServerError as error:
            result[rev_id] = error
    return result


def _assemble(
    revision: dict[str, Any],
    needs: RevisionNeeds,
    parents: dict[int, Any],
    users: dict[str, Any],
    creations: dict[int, Any],
) -> RevisionDocs:
    parent = None
    parent_id = int(revision.get("parentid") or 0)
    if needs.parent and parent_id:
        parent = parents.get(parent_id)
        if isinstance(parent, ModelServerError) or parent is None:
            raise RevisionNotFound(
                f"the parent revision {parent_id} of revision {revision['revid']} "
                "does not exist or was deleted"
            )
        try:
            require_text(parent)
        except TextDeleted:
            raise TextDeleted(
                f"the text of the parent revision {parent_id} of revision {revision['revid']} "
                "is deleted or suppressed"
            ) from None
    user = None
    if needs.user_info and int(revision.get("userid") or 0) > 0:
        user = users.get(str(revision["user"]))
        if user is None or user.get("missing") or user.get("invalid"):
            # Renamed or suppressed since the revision was read: without the user's info
            # the features cannot be computed, so this revision alone gets an error.
            raise UserDeleted(
                f"the user of revision {revision['revid']} was not found "
                "(renamed, deleted or suppressed)"
            )
    creation = creations.get(int(revision["page"]["pageid"])) if parent_id else None
    return RevisionDocs(rev=revision, parent=parent, user=user, page_creation=creation)


async def _nothing() -> dict:
    return {}
