"""MediaWiki Action API documents -> revscoring solver cache, with no HTTP at all.

The revscoring server fetches a revision (and, depending on the model type, its parent
revision, its user's info and its page's creation revision) from the MediaWiki Action API
with ``formatversion=2``; the demo models are trained from documents of exactly that shape.
Both go through :func:`build_cache`, which turns the documents into values of the
``*.doc`` datasources of :class:`revscoring.extractors.api.Extractor`
(``revision.doc``, ``revision.parent.doc``, ``revision.user.info.doc``,
``revision.page.creation.doc``). revscoring's own extractor then derives every root
datasource (``revision.text``, ``revision.timestamp_str``, ``revision.user.id`` ...) from
them, so training and serving share one code path and cannot diverge.

revscoring's extractor reads documents in the ``formatversion=1`` shape (text under
``slots.main['*']``, flags such as ``minor`` present only when set), so the documents are
normalised first (:func:`normalize_revision`, :func:`normalize_user`). One revscoring
quirk is kept on purpose: its extractor reads ``revision.byte_len`` from a ``byte_len`` key
that the API never sends (it sends ``size``), so that datasource is ``None`` in ORES and
here alike.

The extractor from :func:`offline_extractor` has a session that raises
:class:`OfflineExtractionError` if it is ever asked for anything: a document a model needs
but the caller did not provide is a clear error, never a hidden HTTP request.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from revscoring import Datasource, Dependent
from revscoring.datasources import revision_oriented
from revscoring.dependencies import dig
from revscoring.errors import CaughtDependencyError
from revscoring.extractors import api

from inference_common.documents import EditContext, main_slot

Doc = Mapping[str, Any]

REVISION_PROPS = "ids|timestamp|user|userid|comment|size|flags|content|contentmodel"
"""``rvprop`` of the revision and parent revision queries (with ``rvslots=main``)."""
PAGE_CREATION_PROPS = "ids|timestamp|user|userid|comment|size|flags|contentmodel"
"""``rvprop`` of the page creation query (``pageids=N&rvdir=newer&rvlimit=1``)."""
USER_PROPS = "groups|registration|editcount|emailable|gender"
"""``usprop`` of the ``list=users`` query."""

_REVISION = revision_oriented.revision
# The names revscoring's api.Extractor gives its document datasources
# (RevDocById, PageCreationRevDoc and UserInfoDoc name them "<prefix>.doc"). Dependents
# are hashed and compared by name, so these keys hit the extractor's own datasources.
REVISION_DOC = Datasource(_REVISION._name + ".doc")
PARENT_DOC = Datasource(_REVISION.parent._name + ".doc")
USER_INFO_DOC = Datasource(_REVISION.user.info._name + ".doc")
PAGE_CREATION_DOC = Datasource(_REVISION.page.creation._name + ".doc")


class DocumentError(ValueError):
    """An API document is missing or does not have the expected shape."""


class OfflineExtractionError(RuntimeError):
    """revscoring asked for data that was not provided as a document."""


def normalize_revision(doc: Doc) -> dict[str, Any]:
    """A revision document in the shape revscoring's api.Extractor reads.

    ``formatversion=2`` puts the text under ``slots.main.content`` and sends ``minor`` as
    a boolean; revscoring reads ``slots.main['*']`` and treats the mere presence of
    ``minor`` as true. Hidden text stays absent, so revscoring raises ``TextDeleted``.
    Answers of wikis without ``rvslots`` (text and content model at the top level) are
    moved under ``slots.main`` too.
    """
    normalized = {key: value for key, value in doc.items() if key != "minor"}
    if doc.get("minor"):
        normalized["minor"] = True
    main = dict(main_slot(doc))
    if "content" not in main and "content" in doc:
        main["content"] = doc["content"]
    if "contentmodel" not in main and "contentmodel" in doc:
        main["contentmodel"] = doc["contentmodel"]
    if "content" in main and "*" not in main:
        main["*"] = main["content"]
    if main:
        normalized["slots"] = {**(doc.get("slots") or {}), "main": main}
    return normalized


def normalize_user(doc: Doc) -> dict[str, Any]:
    """A ``list=users`` entry in the shape revscoring reads (``emailable`` present only
    when true, ``groups`` always a list)."""
    normalized = {key: value for key, value in doc.items() if key != "emailable"}
    if doc.get("emailable"):
        normalized["emailable"] = True
    normalized["groups"] = list(doc.get("groups") or [])
    return normalized


def build_cache(docs: EditContext) -> dict[Dependent, Any]:
    """Solver cache values for revscoring's api.Extractor, built from ``docs``.

    The result maps the extractor's document datasources (and ``revision.id``) to their
    values. Documents that were not provided are left out, except where the API answer
    itself says there is nothing to fetch: a page creation (``parentid`` 0) has no parent
    and is its own page creation revision; an anonymous edit (``userid`` 0) has no user
    info.

    :raises DocumentError: if the parent document is not the revision's parent.
    """
    rev = normalize_revision(docs.revision)
    cache: dict[Dependent, Any] = {_REVISION.id: docs.rev_id, REVISION_DOC: rev}
    parent_id = int(rev.get("parentid") or 0)
    if parent_id == 0:
        cache[PARENT_DOC] = None
    elif docs.parent is not None:
        if int(docs.parent.get("revid", -1)) != parent_id:
            raise DocumentError(
                f"parent document is revision {docs.parent.get('revid')}, "
                f"not the parent {parent_id} of revision {docs.rev_id}"
            )
        cache[PARENT_DOC] = normalize_revision(docs.parent)
    if int(rev.get("userid") or 0) == 0:
        cache[USER_INFO_DOC] = None
    elif docs.user is not None:
        cache[USER_INFO_DOC] = normalize_user(docs.user)
    if docs.page_creation is not None:
        cache[PAGE_CREATION_DOC] = normalize_revision(docs.page_creation)
    elif parent_id == 0:
        cache[PAGE_CREATION_DOC] = rev
    return cache


class NoHTTPSession:
    """A stand-in for ``mwapi.Session`` that refuses every request."""

    def get(self, **params: Any) -> dict[str, Any]:
        """Raise :class:`OfflineExtractionError` naming what was asked for."""
        asked = ", ".join(f"{key}={value}" for key, value in sorted(params.items()))
        raise OfflineExtractionError(
            f"revscoring asked the MediaWiki API for ({asked}): the document it needs "
            "was not provided to build_cache()"
        )


def offline_extractor() -> api.Extractor:
    """A revscoring api.Extractor that never makes HTTP requests."""
    return api.Extractor(NoHTTPSession())


def extract_features(
    extractor: api.Extractor, docs: EditContext, features: Sequence[Dependent]
) -> list[Any]:
    """The values of ``features`` for the revision described by ``docs``.

    :raises OfflineExtractionError: if the features need a document ``docs`` lacks
        (unwrapped from revscoring's ``CaughtDependencyError``); revscoring's own errors
        (``TextDeleted``, ``UserDeleted`` ...) propagate as revscoring raises them.
    """
    try:
        return list(extractor.extract(docs.rev_id, features, cache=build_cache(docs)))
    except CaughtDependencyError as error:
        if isinstance(error.exception, OfflineExtractionError):
            raise error.exception from error
        raise


def root_datasources(features: Iterable[Dependent]) -> set[str]:
    """Names of the datasources of revscoring's ``revision_oriented.revision`` tree
    that ``features`` depend on (what a model needs to be fetched)."""
    roots = {str(dependent) for dependent in _REVISION}
    return {str(dependent) for dependent in dig(list(features))} & roots
