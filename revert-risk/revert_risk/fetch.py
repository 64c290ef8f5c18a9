"""What an edit's features need from MediaWiki, for many revisions of one wiki at once:
the shared :mod:`inference_common.edit_context` (the calls, in one or two rounds, and the
missing-data policy are those of every edit model).

revert-risk's features define unknown user facts (NaN), so a hidden or vanished user is
scored without a user document (``ContextNeeds.user_required`` is False); a missing
parent is :class:`RevisionNotFound`, a parent whose text is hidden :class:`TextDeleted`.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from inference_common.documents import EditContext
from inference_common.edit_context import ContextNeeds, Hint, fetch_edit_contexts
from inference_common.errors import ModelServerError
from inference_common.mediawiki import Endpoint, MediaWikiClient

from .features import revision_text

NEEDS = ContextNeeds(parent=True, user=True, page_creation=True, user_required=False)


async def fetch_edits(
    client: MediaWikiClient,
    endpoint: Endpoint,
    rev_ids: Iterable[int],
    *,
    hints: Mapping[int, Hint] | None = None,
) -> dict[int, EditContext | ModelServerError]:
    """Each revision id mapped to its documents, or to why it cannot be scored
    (:class:`RevisionNotFound`, :class:`TextDeleted`, :class:`UnsupportedContent`).

    A failure of MediaWiki itself (unreachable, HTTP or API error) is raised: it concerns
    every revision asked for."""
    contexts = await fetch_edit_contexts(
        client,
        endpoint,
        rev_ids,
        NEEDS,
        hints=hints,
        accept=revision_text,
        page_creation_props="ids|timestamp",
    )
    return contexts
