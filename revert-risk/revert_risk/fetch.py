"""What an edit's features need from MediaWiki, for many revisions of one wiki at once:
the shared :mod:`inference_common.edit_context` (the calls, in one or two rounds, and the
missing-data policy are those of every edit model).

revert-risk's features define unknown user facts (NaN), so a hidden or vanished user is
scored without a user document (``ContextNeeds.user_required`` is False); a missing
parent is :class:`RevisionNotFound`, a parent whose text is hidden :class:`TextDeleted`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from inference_common.edit_context import ContextNeeds, EditContext, Hint, fetch_edit_contexts
from inference_common.errors import ModelServerError
from inference_common.mediawiki import Endpoint, MediaWikiClient

from .features import revision_text

NEEDS = ContextNeeds(parent=True, user=True, page_creation=True, user_required=False)


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


async def fetch_edits(
    client: MediaWikiClient,
    endpoint: Endpoint,
    rev_ids: Iterable[int],
    *,
    hints: Mapping[int, Hint] | None = None,
) -> dict[int, EditDocuments | ModelServerError]:
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
    return {
        rev_id: (
            EditDocuments(
                revision=context.revision,
                parent=context.parent,
                user=context.user,
                first_revision=context.page_creation,
            )
            if isinstance(context, EditContext)
            else context
        )
        for rev_id, context in contexts.items()
    }
