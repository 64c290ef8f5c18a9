"""One edit's context from MediaWiki: the revision, its parent, its user and its page's
creation, for many revisions of one wiki at once. Used by every edit model (revscoring's
edit types, revert-risk).

Calls, for the revisions of one wiki:

1. the revisions with their text (``prop=revisions&revids=...``, 50 ids a call); in the
   same round, when the input already names them (an event's ``rev_parent_id`` and
   ``performer``, see :class:`Hint`), the parents and the users;
2. once 1. has answered, concurrently: the parents and users not fetched in round 1
   (parents that are themselves in the batch are not fetched again), and each page's
   first revision (``rvdir=newer&rvlimit=1``, one call per page, none for creations).

The policy for what is missing is ORES's (revscoring's API extractor): an unavailable
datum fails a revision only if the model's features read it.

- the revision: absent -> :class:`RevisionNotFound`; text hidden -> :class:`TextDeleted`;
- its parent (when needed): absent -> :class:`RevisionNotFound` naming the parent
  (revscoring's extractor raises ``RevisionNotFound(revision.parent)``); text hidden ->
  :class:`TextDeleted` naming the parent;
- its user: hidden (``userhidden``), or registered but not returned by ``list=users``
  (renamed or suppressed since) -> :class:`UserDeleted` when ``needs.user_required``
  (revscoring's features read the user's id and name: its extractor raises
  ``UserDeleted``), else no user document (a model whose features define unknown user
  facts, such as revert-risk's, scores the edit). Anonymous (IP) editors have no user
  document and are not an error.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from .errors import ModelServerError, RevisionNotFound, TextDeleted, UserDeleted
from .events import PAGE_CHANGE, RevisionEvent
from .documents import EditContext, require_text
from .mediawiki import REVISION_PROPS, Endpoint, MediaWikiClient

USER_PROPS = "groups|registration|editcount|emailable|gender"
PAGE_CREATION_PROPS = "ids|timestamp|user|userid|comment|size|flags|contentmodel"


@dataclass(frozen=True)
class ContextNeeds:
    """What a model's features read beyond the revision itself."""

    parent: bool = True  # the parent revision, with its text
    user: bool = True  # the registered editor's list=users document
    page_creation: bool = True  # the page's first revision (metadata)
    user_required: bool = False  # a hidden or vanished user fails the revision


@dataclass(frozen=True)
class Hint:
    """What the input already says about a revision (e.g. an event), so that its parent and
    user can be fetched in the first round. Checked against the revision when it arrives:
    a wrong hint costs a call, never a wrong context."""

    parent_id: int | None = None
    user_name: str | None = None


def hint_from_event(event: RevisionEvent) -> Hint:
    """What a revision-create or page-change event says about its revision's parent and
    (registered) editor."""
    raw = event.raw
    if event.schema == PAGE_CHANGE:
        editor = (raw.get("revision") or {}).get("editor") or {}
    else:
        editor = raw.get("performer") or {}
    name = editor.get("user_text") if isinstance(editor, Mapping) else None
    user_id = editor.get("user_id") if isinstance(editor, Mapping) else None
    registered = isinstance(name, str) and isinstance(user_id, int) and user_id > 0
    return Hint(parent_id=event.parent_rev_id, user_name=name if registered else None)


Contexts = dict[int, "EditContext | ModelServerError"]


def parent_id(revision: Mapping[str, Any]) -> int:
    parent = revision.get("parentid")
    return parent if isinstance(parent, int) and parent > 0 else 0


def registered_name(revision: Mapping[str, Any]) -> str | None:
    """The editor's name if the edit is by a visible account (``userid`` > 0, temporary
    accounts included, as revscoring's extractor looks them up)."""
    if revision.get("anon") or revision.get("userhidden"):
        return None
    name = revision.get("user")
    userid = revision.get("userid")
    return (
        name if isinstance(name, str) and name and isinstance(userid, int) and userid > 0 else None
    )


def _page_id(revision: Mapping[str, Any]) -> int | None:
    page_id = (revision.get("page") or {}).get("pageid")
    return page_id if isinstance(page_id, int) and page_id > 0 else None


async def _nothing() -> dict:
    return {}


async def fetch_edit_contexts(
    client: MediaWikiClient,
    endpoint: Endpoint,
    rev_ids: Iterable[int],
    needs: ContextNeeds,
    *,
    hints: Mapping[int, Hint] | None = None,
    accept: Callable[[dict[str, Any]], Any] | None = None,
    revision_props: str = REVISION_PROPS,
    page_creation_props: str = PAGE_CREATION_PROPS,
) -> Contexts:
    """Each revision id mapped to its :class:`EditContext`, or to why it cannot be scored.

    ``accept(revision)`` may raise a :class:`ModelServerError` to refuse a revision before
    its context is fetched (e.g. an unsupported content model). A failure of MediaWiki
    itself (unreachable, HTTP or API error) is raised: it concerns every revision."""
    wanted = list(dict.fromkeys(rev_ids))
    hints = hints or {}
    early_parents = (
        {h.parent_id for r in wanted if (h := hints.get(r)) and h.parent_id} - set(wanted)
        if needs.parent
        else set()
    )
    early_users = (
        {h.user_name for r in wanted if (h := hints.get(r)) and h.user_name}
        if needs.user
        else set()
    )
    fetched, parents, users = await asyncio.gather(
        client.revisions(endpoint, wanted, props=revision_props),
        (
            client.revisions(endpoint, sorted(early_parents), props=revision_props)
            if early_parents
            else _nothing()
        ),
        (
            client.users(endpoint, sorted(early_users), props=USER_PROPS)
            if early_users
            else _nothing()
        ),
    )

    results: Contexts = {}
    usable: dict[int, dict[str, Any]] = {}
    for rev_id in wanted:
        found = fetched.get(rev_id)
        if not isinstance(found, dict):
            results[rev_id] = found or RevisionNotFound(f"revision {rev_id} was not returned")
            continue
        try:
            require_text(found)
            if accept is not None:
                accept(found)
            if needs.user_required and found.get("userhidden"):
                raise UserDeleted(f"the user of revision {rev_id} is deleted or suppressed")
        except ModelServerError as error:
            results[rev_id] = error
            continue
        usable[rev_id] = found

    known = {**fetched, **parents}
    late_parents = (
        {parent_id(r) for r in usable.values()} - {0} - set(known) if needs.parent else set()
    )
    late_users = (
        {n for r in usable.values() if (n := registered_name(r))} - early_users
        if needs.user
        else set()
    )
    page_ids = sorted(
        {p for r in usable.values() if parent_id(r) and (p := _page_id(r))}
        if needs.page_creation
        else set()
    )
    more_parents, more_users, creations = await asyncio.gather(
        (
            client.revisions(endpoint, sorted(late_parents), props=revision_props)
            if late_parents
            else _nothing()
        ),
        client.users(endpoint, sorted(late_users), props=USER_PROPS) if late_users else _nothing(),
        (
            client.first_revisions(endpoint, page_ids, props=page_creation_props)
            if page_ids
            else _nothing()
        ),
    )
    known.update(more_parents)
    users = {**users, **more_users}

    for rev_id, revision in usable.items():
        try:
            results[rev_id] = _context(revision, needs, known, users, creations)
        except ModelServerError as error:
            results[rev_id] = error
    return results


def _context(
    revision: dict[str, Any],
    needs: ContextNeeds,
    revisions: Mapping[int, Any],
    users: Mapping[str, Any],
    creations: Mapping[int, Any],
) -> EditContext:
    rev_id = revision["revid"]
    parent = None
    parent_rev = parent_id(revision)
    if needs.parent and parent_rev:
        parent = revisions.get(parent_rev)
        if not isinstance(parent, dict):
            raise RevisionNotFound(
                f"revision {parent_rev}, the parent of revision {rev_id}, "
                "does not exist or was deleted"
            )
        try:
            require_text(parent)
        except TextDeleted:
            raise TextDeleted(
                f"the text of revision {parent_rev}, the parent of revision {rev_id}, "
                "is deleted or suppressed"
            ) from None
    user = None
    name = registered_name(revision)
    if needs.user and name is not None:
        user = users.get(name)
        if not isinstance(user, dict) or user.get("missing") or user.get("invalid"):
            user = None
            if needs.user_required:
                raise UserDeleted(
                    f"the user of revision {rev_id} was not found "
                    "(renamed, deleted or suppressed)"
                )
    creation = None
    if needs.page_creation and parent_rev:
        creation = creations.get(_page_id(revision))
    return EditContext(revision=revision, parent=parent, user=user, page_creation=creation)
