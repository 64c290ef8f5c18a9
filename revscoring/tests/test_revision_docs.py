"""revision_docs: MediaWiki API answers (formatversion=2) -> revscoring solver cache."""

import copy
from typing import Any

import pytest
from revscoring import Dependent
from revscoring.datasources import revision_oriented as ro
from revscoring.dependencies import solve
from revscoring.errors import TextDeleted
from revscoring.features import revision_oriented, temporal, wikitext

from articlequality.feature_lists import enwiki as articlequality_enwiki
from articlequality.feature_lists import wikidatawiki
from editquality.feature_lists import enwiki as editquality_enwiki

from revscoring_server import revision_docs
from inference_common.documents import EditContext
from revscoring_server.revision_docs import (
    DocumentError,
    OfflineExtractionError,
    build_cache,
    extract_features,
    offline_extractor,
)
from revscoring_tools.responses import edit_context_from_responses

PARENT_TEXT = (
    "'''Lyon''' is a city in [[France]].<ref>{{cite web |url=https://example.org/a "
    "|title=Lyon}}</ref>\n\n== History ==\nThe city was founded in 43 BC.\n\n"
    "[[Category:Cities in France]]\n"
)
TEXT = PARENT_TEXT.replace(
    "founded in 43 BC.", "founded in 43 BC. LYON IS SO STUPID lol!!!!! asdfghjkl"
)


def revision_answer(
    revid: int, parentid: int, text: str | None, *, user: str = "Reader42", userid: int = 7,
    minor: bool = False, pageid: int = 1234, extra: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """An action=query&prop=revisions answer with formatversion=2, as MediaWiki sends."""
    main: dict[str, Any] = {"contentmodel": "wikitext", "contentformat": "text/x-wiki"}
    if text is None:
        main["texthidden"] = True
    else:
        main["content"] = text
    revision = {
        "revid": revid,
        "parentid": parentid,
        "minor": minor,
        "user": user,
        "userid": userid,
        "timestamp": "2021-04-03T12:00:00Z",
        "size": len((text or "").encode()),
        "comment": "/* History */ more",
        "slots": {"main": main},
        **(extra or {}),
    }
    page = {"pageid": pageid, "ns": 0, "title": "Lyon", "revisions": [revision]}
    return {"batchcomplete": True, "query": {"pages": [page]}}


def users_answer(*users: dict[str, Any]) -> dict[str, Any]:
    """An action=query&list=users answer with formatversion=2."""
    return {"batchcomplete": True, "query": {"users": list(users)}}


REGISTERED = {
    "userid": 7,
    "name": "Reader42",
    "editcount": 12,
    "registration": "2021-04-01T08:30:00Z",
    "groups": ["*", "user", "autoconfirmed"],
    "emailable": True,
    "gender": "unknown",
}


def edit_docs(**kwargs: Any) -> EditContext:
    return edit_context_from_responses(
        101,
        revision_answer(101, 100, TEXT, **kwargs),
        revision_answer(100, 99, PARENT_TEXT, user="Old", userid=3),
        users_answer(REGISTERED),
    )


def root_cache(docs: EditContext) -> dict[Any, Any]:
    """The root datasource values of the revision, written out by hand."""
    rev, parent = docs.revision, docs.parent
    assert parent is not None
    return {
        ro.revision.id: rev["revid"],
        ro.revision.text: rev["slots"]["main"]["content"],
        ro.revision.comment: rev["comment"],
        ro.revision.timestamp_str: rev["timestamp"],
        ro.revision.minor: bool(rev.get("minor")),
        ro.revision.page.id: rev["page"]["pageid"],
        ro.revision.page.title: rev["page"]["title"],
        ro.revision.page.namespace.id: rev["page"]["ns"],
        ro.revision.user.id: rev["userid"],
        ro.revision.user.text: rev["user"],
        ro.revision.user.info.editcount: REGISTERED["editcount"],
        ro.revision.user.info.registration_str: REGISTERED["registration"],
        ro.revision.user.info.groups: REGISTERED["groups"],
        ro.revision.user.info.emailable: True,
        ro.revision.user.info.gender: REGISTERED["gender"],
        ro.revision.parent.id: parent["revid"],
        ro.revision.parent.text: parent["slots"]["main"]["content"],
        ro.revision.parent.timestamp_str: parent["timestamp"],
        ro.revision.parent.user.id: parent["userid"],
        ro.revision.parent.user.text: parent["user"],
    }


def test_cache_keys_are_the_extractor_document_datasources() -> None:
    extractor = offline_extractor()
    cache = build_cache(edit_docs())
    for datasource in (
        extractor.revision.doc,
        extractor.revision.parent.doc,
        extractor.revision.user.info.doc,
    ):
        assert datasource in cache
        assert str(datasource) in {str(key) for key in cache}
    assert str(extractor.revision.page.creation.doc) == str(revision_docs.PAGE_CREATION_DOC)


@pytest.mark.parametrize(
    "features",
    [
        editquality_enwiki.damaging,
        articlequality_enwiki.wp10,
        [
            ro.revision.minor,
            revision_oriented.revision.user.is_anon,
            temporal.revision.user.seconds_since_registration,
            temporal.revision.day_of_week,
            wikitext.revision.parent.chars,
        ],
    ],
    ids=["editquality-damaging", "articlequality-wp10", "revision-user-parent"],
)
def test_docs_give_the_values_revscoring_computes_from_root_datasources(
    features: list[Dependent],
) -> None:
    docs = edit_docs()
    through_docs = extract_features(offline_extractor(), docs, features)
    direct = list(solve(features, cache=root_cache(docs)))
    assert through_docs == direct


def test_wikibase_item_text_gives_the_same_values() -> None:
    item = (
        '{"type":"item","id":"Q1","labels":{"en":{"language":"en","value":"X"}},'
        '"descriptions":{},"aliases":{},"sitelinks":{"enwiki":{"site":"enwiki",'
        '"title":"X","badges":[]}},"claims":{"P31":[{"mainsnak":{"snaktype":"value",'
        '"property":"P31","datavalue":{"value":{"entity-type":"item","numeric-id":5,'
        '"id":"Q5"},"type":"wikibase-entityid"},"datatype":"wikibase-item"},'
        '"type":"statement","id":"Q1$1","rank":"normal"}]}}'
    )
    answer = revision_answer(5, 4, item, pageid=1)
    answer["query"]["pages"][0]["revisions"][0]["slots"]["main"]["contentmodel"] = "wikibase-item"
    docs = edit_context_from_responses(5, answer)
    features = wikidatawiki.item_quality
    through_docs = extract_features(offline_extractor(), docs, features)
    assert through_docs == list(solve(features, cache={ro.revision.text: item}))


def test_formatversion_2_flags_are_normalised() -> None:
    extractor = offline_extractor()
    minor = ro.revision.minor
    assert extract_features(extractor, edit_docs(minor=False), [minor]) == [False]
    assert extract_features(extractor, edit_docs(minor=True), [minor]) == [True]
    not_emailable = {key: value for key, value in REGISTERED.items() if key != "emailable"}
    docs = edit_context_from_responses(
        101,
        revision_answer(101, 100, TEXT),
        revision_answer(100, 99, PARENT_TEXT),
        users_answer(not_emailable),
    )
    values = list(
        extractor.extract(101, [ro.revision.user.info.emailable], cache=build_cache(docs))
    )
    assert values == [False]


def test_answers_without_rvslots_are_accepted() -> None:
    answer = revision_answer(7, 0, None)
    revision = answer["query"]["pages"][0]["revisions"][0]
    del revision["slots"]
    revision.update({"content": "Hello [[world]]", "contentmodel": "wikitext"})
    docs = edit_context_from_responses(7, answer)
    values = extract_features(offline_extractor(), docs, [wikitext.revision.wikilinks])
    assert values == [1]


def test_hidden_text_raises_text_deleted() -> None:
    docs = edit_context_from_responses(9, revision_answer(9, 0, None))
    with pytest.raises(TextDeleted):
        extract_features(offline_extractor(), docs, [wikitext.revision.chars])


def test_anonymous_edits_need_no_user_document() -> None:
    docs = edit_context_from_responses(
        101,
        revision_answer(101, 100, TEXT, user="203.0.113.5", userid=0, extra={"anon": True}),
        revision_answer(100, 99, PARENT_TEXT),
    )
    assert docs.user is None
    features = [
        revision_oriented.revision.user.is_anon,
        temporal.revision.user.seconds_since_registration,
    ]
    assert extract_features(offline_extractor(), docs, features) == [True, 0]


def test_missing_documents_are_an_error_not_an_http_request() -> None:
    docs = edit_context_from_responses(101, revision_answer(101, 100, TEXT))
    with pytest.raises(OfflineExtractionError, match="revids"):
        extract_features(offline_extractor(), docs, [wikitext.revision.parent.chars])
    # what was provided is enough for the revision's own features
    assert extract_features(offline_extractor(), docs, [wikitext.revision.wikilinks]) == [2]


def test_page_creation_has_no_parent_and_is_its_own_creation() -> None:
    docs = edit_context_from_responses(50, revision_answer(50, 0, PARENT_TEXT))
    features = [wikitext.revision.parent.chars, temporal.revision.page.creation.seconds_since]
    assert extract_features(offline_extractor(), docs, features) == [0, 0]


def test_a_page_creation_document_is_used() -> None:
    creation = revision_answer(10, 0, "x")
    revision = creation["query"]["pages"][0]["revisions"][0]
    del revision["slots"]
    revision.update({"timestamp": "2021-04-03T11:00:00Z", "contentmodel": "wikitext"})
    docs = edit_context_from_responses(
        101, revision_answer(101, 100, TEXT), page_creation_response=creation
    )
    seconds = extract_features(
        offline_extractor(), docs, [temporal.revision.page.creation.seconds_since]
    )
    assert seconds == [3600]


def test_wrong_parent_document_is_rejected() -> None:
    docs = EditContext(
        revision=edit_docs().revision, parent=revision_answer(77, 0, "x")["query"]["pages"][0]
    )
    with pytest.raises(DocumentError, match="not the parent"):
        build_cache(docs)


def test_documents_are_picked_out_of_batched_answers() -> None:
    first = revision_answer(101, 100, TEXT)
    second = revision_answer(202, 201, "Other", pageid=99)
    batched = {"query": {"pages": second["query"]["pages"] + first["query"]["pages"]}}
    other_user = dict(REGISTERED, name="Someone", userid=8)
    docs = edit_context_from_responses(
        101, batched, revision_answer(100, 99, PARENT_TEXT), users_answer(other_user, REGISTERED)
    )
    assert docs.rev_id == 101
    assert docs.revision["page"] == {"pageid": 1234, "ns": 0, "title": "Lyon"}
    assert docs.user is not None and docs.user["name"] == "Reader42"
    with pytest.raises(DocumentError):
        edit_context_from_responses(303, batched)


def test_extraction_does_not_modify_the_documents() -> None:
    docs = edit_docs()
    before = copy.deepcopy(docs)
    extract_features(offline_extractor(), docs, editquality_enwiki.damaging)
    assert docs == before


def test_root_datasources_names_what_features_need() -> None:
    roots = revision_docs.root_datasources(editquality_enwiki.damaging)
    assert "datasource.revision.parent.text" in roots
    assert "datasource.revision.user.info.registration_str" in roots
    assert revision_docs.root_datasources(articlequality_enwiki.wp10) == {
        "datasource.revision.text"
    }
