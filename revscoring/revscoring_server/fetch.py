"""Fetch what revscoring needs about many revisions at once, through the shared
:mod:`inference_common.edit_context` (the same calls and the same missing-data policy as
every edit model). The result is one :class:`~inference_common.documents.EditContext` per revision,
or the error that says why that revision cannot be scored, so a batch reports errors per
revision.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from inference_common.edit_context import ContextNeeds, EditContext, Hint, fetch_edit_contexts
from inference_common.errors import ModelServerError
from inference_common.mediawiki import Endpoint, MediaWikiClient

from .model_types import RevisionNeeds
from .revision_docs import PAGE_CREATION_PROPS, REVISION_PROPS


def union_needs(needs: Iterable[RevisionNeeds]) -> RevisionNeeds:
    """What a set of models needs together."""
    needs = list(needs)
    return RevisionNeeds(
        parent=any(n.parent for n in needs),
        user_info=any(n.user_info for n in needs),
        page_creation=any(n.page_creation for n in needs),
    )


Fetched = dict[int, EditContext | ModelServerError]


def context_needs(needs: RevisionNeeds) -> ContextNeeds:
    """revscoring's features read the user's id and name: a hidden or vanished user fails
    the revision (as revscoring's own API extractor raises ``UserDeleted``)."""
    return ContextNeeds(
        parent=needs.parent,
        user=needs.user_info,
        page_creation=needs.page_creation,
        user_required=needs.user_info,
    )


async def fetch_revision_docs(
    client: MediaWikiClient,
    endpoint: Endpoint,
    rev_ids: Iterable[int],
    needs: RevisionNeeds,
    *,
    hints: Mapping[int, Hint] | None = None,
) -> Fetched:
    """The documents of each revision in ``rev_ids`` (or its error)."""
    contexts = await fetch_edit_contexts(
        client,
        endpoint,
        rev_ids,
        context_needs(needs),
        hints=hints,
        revision_props=REVISION_PROPS,
        page_creation_props=PAGE_CREATION_PROPS,
    )
    return contexts
