"""The transformer's pure parts: input checks, outlinks to features, the response."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from outlink_transformer.outlinks import features_string, qids_of
from outlink_transformer.output import above, article_url, read_answer, response
from outlink_transformer.request import MAX_FEATURE_IDS, parse_features, parse_request

from inference_common.errors import InvalidInput, UpstreamError
from inference_testing import strategies

from .events import page_change, revision_create

# -- input --------------------------------------------------------------------------


def test_title_request() -> None:
    request = parse_request({"lang": "en", "page_title": "Wings_of_Fire_(novel_series)"})
    assert (request.lang, request.page_title, request.page_id) == (
        "en",
        "Wings of Fire (novel series)",
        None,
    )
    assert (request.threshold, request.debug, request.features_str, request.event) == (
        0.5,
        False,
        None,
        None,
    )


def test_page_id_threshold_debug_features() -> None:
    request = parse_request(
        {"lang": "de", "page_id": 42, "threshold": 0.1, "debug": True, "features_str": " Q1\tQ2 "}
    )
    assert (request.lang, request.page_title, request.page_id) == ("de", None, 42)
    assert (request.threshold, request.debug, request.features_str) == (0.1, True, "Q1 Q2")


def test_events_give_lang_and_title() -> None:
    request = parse_request({"event": page_change("Wings of Fire", 3, 30), "threshold": 0.2})
    assert (request.lang, request.page_title, request.page_id) == ("en", "Wings of Fire", None)
    assert request.event is not None and request.event.rev_id == 30
    assert request.threshold == 0.2
    request = parse_request({"event": revision_create("Foo_bar", 3, 30)})
    assert (request.lang, request.page_title) == ("en", "Foo bar")
    event = page_change("X", 3, 30, domain="zh-min-nan.wikipedia.org")
    assert parse_request({"event": event}).lang == "zh-min-nan"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"page_title": "X"}, "missing field 'lang'"),
        ({"lang": "en"}, "missing field 'page_title' (or 'page_id')"),
        ({"lang": "en", "page_title": "X", "page_id": 1}, "either page_title or page_id"),
        ({"lang": "enwiki", "page_title": "X"}, "not a wiki id"),
        ({"lang": "xx", "page_title": "X"}, "not a Wikipedia language code"),
        ({"lang": "evil.com/", "page_title": "X"}, "not a Wikipedia language code"),
        ({"lang": "en.wikipedia.org@evil.com", "page_title": "X"}, "not a Wikipedia language"),
        ({"lang": 1, "page_title": "X"}, "lang must be a string"),
        ({"lang": "en", "page_title": "A|B"}, "characters MediaWiki forbids"),
        ({"lang": "en", "page_title": "A\x00B"}, "control characters"),
        ({"lang": "en", "page_title": "x" * 300}, "longer than 255 bytes"),
        ({"lang": "en", "page_title": "   "}, "must not be empty"),
        ({"lang": "en", "page_id": 0}, "page_id must be between"),
        ({"lang": "en", "page_id": "12"}, "page_id must be an integer"),
        ({"lang": "en", "page_title": "X", "threshold": -0.1}, "threshold must be a number in"),
        ({"lang": "en", "page_title": "X", "threshold": "high"}, "threshold must be a number"),
        ({"lang": "en", "page_title": "X", "debug": 1}, "debug must be true or false"),
        ({"lang": "en", "page_title": "X", "features_str": "Q1 P31"}, "Wikidata ids"),
        ({"lang": "en", "page_title": "X", "features_str": "Q01"}, "Wikidata ids"),
        ({"lang": "en", "page_title": "X", "features_str": 5}, "features_str must be a string"),
        ({"event": {"$schema": "/other/1.0.0"}}, "unsupported event schema"),
        ({"event": "x"}, "event must be a JSON object"),
        (
            {"event": page_change("X", 1, 2, domain="en.wiktionary.org")},
            "Wikipedia articles only",
        ),
        (
            {"event": page_change("X", 1, 2, domain="xx.wikipedia.org")},
            "Wikipedia articles only",
        ),
        ({"event": page_change("X", 1, 2), "lang": "de"}, "either an event or lang"),
    ],
)
def test_bad_requests(body: dict, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_request(body)
    assert message in raised.value.message


def test_features_limit() -> None:
    assert parse_features(" ".join(["Q1"] * MAX_FEATURE_IDS)).count("Q1") == MAX_FEATURE_IDS
    with pytest.raises(InvalidInput, match="more than 1000 ids"):
        parse_features(" ".join(["Q1"] * (MAX_FEATURE_IDS + 1)))
    assert parse_features("") == ""


def test_the_default_threshold_is_the_predictors() -> None:
    """The two halves are separate images (no shared outlink package): the transformer's
    default, used to filter what it answers and sends as events, is the predictor's."""
    from outlink_predictor.prediction import DEFAULT_THRESHOLD as PREDICTOR_DEFAULT
    from outlink_transformer.request import DEFAULT_THRESHOLD

    assert (
        DEFAULT_THRESHOLD
        == PREDICTOR_DEFAULT
        == parse_request({"lang": "en", "page_id": 1}).threshold
    )


@given(strategies.titles())
def test_valid_titles_pass_normalized(title: str) -> None:
    request = parse_request({"lang": "en", "page_title": title})
    assert request.page_title == strategies.normalized_title(title)
    assert request.page_title and "_" not in request.page_title


@given(
    st.one_of(
        strategies.forbidden_titles(),
        strategies.control_titles(),
        strategies.blank_titles(),
        strategies.long_titles(),
    )
)
def test_titles_with_forbidden_characters_never_pass(title: str) -> None:
    with pytest.raises(InvalidInput, match="page_title"):
        parse_request({"lang": "en", "page_title": title})


@given(strategies.langs())
def test_known_languages_reach_the_host(lang: str) -> None:
    request = parse_request({"lang": lang, "page_title": "X"})
    assert request.lang == lang
    assert request.lang.replace("-", "").isalpha() and request.lang.islower()


@given(strategies.not_langs())
def test_only_known_languages_reach_the_host(lang: str) -> None:
    with pytest.raises(InvalidInput, match="lang"):
        parse_request({"lang": lang, "page_title": "X"})


# -- features -----------------------------------------------------------------------


def test_qids_of_skips_red_links_and_pages_without_items() -> None:
    pages = [
        {"pageid": 1, "ns": 0, "title": "A", "pageprops": {"wikibase_item": "Q42"}},
        {"ns": 0, "title": "Red link", "missing": True},
        {"pageid": 2, "ns": 0, "title": "No item"},
        {"pageid": 3, "ns": 0, "title": "Odd", "pageprops": {"wikibase_item": "L123"}},
        {"pageid": 4, "ns": 0, "title": "B", "pageprops": {"wikibase_item": "Q5"}},
        {"pageid": 5, "ns": 0, "title": "C", "pageprops": []},
    ]
    assert qids_of(pages) == ["Q42", "Q5"]


def test_features_string_is_distinct_and_sorted_by_number() -> None:
    assert features_string(["Q42", "Q5", "Q100", "Q42"]) == "Q5 Q42 Q100"
    assert features_string([]) == ""


# -- output -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "url"),
    [
        ("Wings of Fire (novel series)", "/wiki/Wings_of_Fire_(novel_series)"),
        ("Zürich", "/wiki/Z%C3%BCrich"),
        ("AC/DC", "/wiki/AC/DC"),
        ("What? & Why", "/wiki/What%3F_%26_Why"),
        ("100% Love", "/wiki/100%25_Love"),
    ],
)
def test_article_url(title: str, url: str) -> None:
    assert article_url("en", title, None) == "https://en.wikipedia.org" + url


def test_article_url_by_id() -> None:
    assert article_url("fr", None, 12) == "https://fr.wikipedia.org/wiki?curid=12"


def test_response_shape() -> None:
    results = [{"topic": "Culture.Literature", "score": 0.9}]
    assert response("en", "A b", 1, results) == {
        "prediction": {"article": "https://en.wikipedia.org/wiki/A_b", "results": results}
    }


def test_read_answer_checks_the_predictor() -> None:
    results, version = read_answer(
        {
            "results": [{"topic": "a", "score": 1}, {"topic": "b", "score": 0.5}],
            "model_version": "v",
        }
    )
    assert results == [{"topic": "a", "score": 1.0}, {"topic": "b", "score": 0.5}]
    assert version == "v"
    assert above(results, 0.6) == [{"topic": "a", "score": 1.0}]
    for bad in (
        {},
        {"results": {}, "model_version": "v"},
        {"results": [], "model_version": 1},
        {"results": [{"topic": "a"}], "model_version": "v"},
        {"results": [{"topic": "a", "score": "1"}], "model_version": "v"},
        {"results": [{"topic": "a", "score": True}], "model_version": "v"},
        {"results": [["a", 1]], "model_version": "v"},
    ):
        with pytest.raises(UpstreamError):
            read_answer(bad)
