"""Features from injected API documents (no network), and the wikitext counts."""

from __future__ import annotations

import math
from typing import Any

import pytest

from inference_common.errors import TextDeleted, UnsupportedContent
from revert_risk.features import (
    FEATURE_NAMES,
    WIKITEXT_COUNTS,
    extract_features,
    feature_row,
    wikitext_counts,
)

ARTICLE = """{{Infobox person|name=Ada|image=Ada.jpg}}
'''Ada''' was a [[mathematician]] and [[writer|author]].<ref>{{cite book|title=B}}</ref>
She wrote [http://example.org notes].<ref name="n" />

== Life ==
[[File:Ada portrait.png|thumb|A [[portrait]]]]
Text.

=== Work ===
{| class="wikitable"
|-
| 1843 || Notes
|}
<gallery>
File:One.jpg|first
Two.jpg

</gallery>

[[Category:Mathematicians]]
[[Kategorie:Mathematiker]]
[[:Category:Linked, not a member]]
"""


def revision(
    revid: int = 11,
    parentid: int = 10,
    text: str = ARTICLE,
    **fields: Any,
) -> dict[str, Any]:
    """A revision as the API answers it (formatversion=2, rvslots=main)."""
    document = {
        "revid": revid,
        "parentid": parentid,
        "minor": False,
        "user": "Alice",
        "userid": 5,
        "timestamp": "2024-03-06T14:30:00Z",  # a Wednesday
        "size": len(text.encode("utf-8")),
        "comment": "expand",
        "slots": {"main": {"contentmodel": "wikitext", "content": text}},
        "page": {"pageid": 3, "ns": 0, "title": "Ada"},
    }
    document.update(fields)
    return document


USER = {
    "userid": 5,
    "name": "Alice",
    "editcount": 999,
    "registration": "2024-03-01T14:30:00Z",
    "groups": ["*", "user", "autoconfirmed"],
}
FIRST = {"revid": 1, "parentid": 0, "timestamp": "2023-03-07T14:30:00Z"}


def test_wikitext_counts() -> None:
    assert wikitext_counts(ARTICLE) == {
        "wikilinks": 4,  # mathematician, writer, portrait (inside a file caption), :Category
        "external_links": 1,
        "references": 2,  # <ref>...</ref> and <ref name=... />
        "templates": 2,  # the infobox and the citation inside a reference
        "media": 3,  # one [[File:]] and two gallery lines
        "categories": 2,  # English and German prefix; the ":Category" link is a link
        "headings": 2,
        "tables": 1,
    }


@pytest.mark.parametrize(
    ("text", "name", "count"),
    [
        ("", "wikilinks", 0),
        ("[[a]] [[b|c]] [[d#e]]", "wikilinks", 3),
        ("[[Image:x.svg]] [[Datei:y.jpg]] [[Файл:z.png]] [[Foo:bar.ogg]]", "media", 4),
        ("[[Категория:Математики]] [[Catégorie:X]]", "categories", 2),
        ("<ref>a</ref><REF name=b/>", "references", 2),
        ("{{a|{{b}}}}", "templates", 2),
        ("<table><tr><td>x</td></tr></table>", "tables", 1),
        ("https://example.org and [https://x.org y]", "external_links", 2),
        ("==a==\n====b====\n", "headings", 2),
    ],
)
def test_wikitext_counts_table(text: str, name: str, count: int) -> None:
    assert wikitext_counts(text)[name] == count


def test_unbalanced_wikitext_does_not_raise() -> None:
    counts = wikitext_counts("{{unclosed [[link <ref>x {| table\n== heading")
    assert set(counts) == set(WIKITEXT_COUNTS)


def test_features_of_an_edit() -> None:
    parent = revision(10, 9, ARTICLE.replace('<ref name="n" />', ""), comment="x")
    features = extract_features(revision(), parent, USER, FIRST)
    assert list(features) == list(FEATURE_NAMES)
    assert features["size_before"] == parent["size"]
    assert features["size_change"] == len('<ref name="n" />')
    assert features["references_change"] == 1
    assert features["wikilinks_change"] == 0
    assert features["user_is_anonymous"] == 0
    assert features["user_is_bot"] == 0
    assert features["user_edit_count_log"] == pytest.approx(math.log1p(999))
    assert features["user_account_age_days"] == pytest.approx(5.0)
    assert features["page_age_days"] == pytest.approx(365.0)
    assert features["page_is_creation"] == 0
    assert features["page_namespace"] == 0
    assert features["comment_length"] == len("expand")
    assert features["hour_of_day"] == 14
    assert features["day_of_week"] == 2
    assert feature_row(features) == [features[name] for name in FEATURE_NAMES]


def test_page_creation_has_no_parent() -> None:
    features = extract_features(revision(parentid=0), None, USER, None)
    assert features["page_is_creation"] == 1
    assert features["size_before"] == 0
    assert features["size_change"] == len(ARTICLE.encode())
    assert features["templates_change"] == 2
    assert features["page_age_days"] == 0


def test_anonymous_editor() -> None:
    anonymous = revision(user="192.0.2.1", userid=0, anon=True)
    features = extract_features(anonymous, revision(10, 9), None, FIRST)
    assert features["user_is_anonymous"] == 1
    assert features["user_edit_count_log"] == 0
    assert features["user_account_age_days"] == 0


def test_bot_and_privileged_groups() -> None:
    bot = {**USER, "groups": ["*", "user", "bot"]}
    assert extract_features(revision(), revision(10, 9), bot, FIRST)["user_is_bot"] == 1
    sysop = {**USER, "groups": ["*", "user", "sysop"]}
    features = extract_features(revision(), revision(10, 9), sysop, FIRST)
    assert features["user_is_privileged"] == 1
    assert features["user_is_bot"] == 0


def test_unknown_facts_are_nan() -> None:
    hidden_user = revision(userhidden=True, commenthidden=True)
    del hidden_user["user"], hidden_user["userid"], hidden_user["comment"]
    old_account = {**USER, "registration": None}
    features = extract_features(hidden_user, revision(10, 9), None, None)
    assert features["user_is_anonymous"] == 0
    assert math.isnan(features["user_edit_count_log"])
    assert math.isnan(features["comment_length"])
    assert math.isnan(features["page_age_days"])
    features = extract_features(revision(), revision(10, 9), old_account, FIRST)
    assert math.isnan(features["user_account_age_days"])


def test_minor_flag_and_size_ratio() -> None:
    features = extract_features(
        revision(minor=True, size=50), revision(10, 9, size=100), USER, FIRST
    )
    assert features["is_minor"] == 1
    assert features["size_change"] == -50
    assert features["size_change_ratio"] == pytest.approx(-0.5)


def test_deleted_text_of_revision_or_parent() -> None:
    hidden = revision(texthidden=True)
    del hidden["slots"]["main"]["content"]
    with pytest.raises(TextDeleted, match="revision 11"):
        extract_features(hidden, revision(10, 9), USER, FIRST)
    hidden_parent = revision(10, 9, slots={"main": {"texthidden": True}})
    with pytest.raises(TextDeleted, match="revision 10, the parent of revision 11"):
        extract_features(revision(), hidden_parent, USER, FIRST)


def test_content_that_is_not_wikitext() -> None:
    json_page = revision(slots={"main": {"contentmodel": "json", "content": "{}"}})
    with pytest.raises(UnsupportedContent, match="json"):
        extract_features(json_page, None, USER, None)


def test_the_feature_code_imports_no_http_client() -> None:
    """Pool workers import the feature code: it reads documents without aiohttp or mwapi."""
    import subprocess
    import sys

    code = (
        "import sys, revert_risk.features; print(sorted({'aiohttp', 'mwapi'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
