import pytest

from inference_common.wikis import (
    canonical_wiki_id,
    host_for_wiki_id,
    is_wikipedia_language,
    wiki_id_for_language,
    wikipedia_host,
)


@pytest.mark.parametrize(
    ("wiki_id", "host"),
    [
        ("enwiki", "en.wikipedia.org"),
        ("zh_min_nanwiki", "zh-min-nan.wikipedia.org"),
        ("eswikibooks", "es.wikibooks.org"),
        ("wikidatawiki", "www.wikidata.org"),
        ("commonswiki", "commons.wikimedia.org"),
        ("translatewiki", "translatewiki.net"),
        # Lift Wing's spelling of sister projects: {wiki}wiki
        ("eswikibookswiki", "es.wikibooks.org"),
        ("eswikiquotewiki", "es.wikiquote.org"),
        ("frwikisourcewiki", "fr.wikisource.org"),
        ("enwiktionarywiki", "en.wiktionary.org"),
    ],
)
def test_host_for_wiki_id(wiki_id: str, host: str) -> None:
    assert host_for_wiki_id(wiki_id) == host


@pytest.mark.parametrize(
    ("name", "wiki_id"),
    [
        ("enwiki", "enwiki"),
        ("eswikibooks", "eswikibooks"),
        ("eswikibookswiki", "eswikibooks"),
        ("enwiktionarywiki", "enwiktionary"),
        ("wikidatawiki", "wikidatawiki"),
        ("translatewiki", "translatewiki"),
    ],
)
def test_canonical_wiki_id_is_the_database_name(name: str, wiki_id: str) -> None:
    assert canonical_wiki_id(name) == wiki_id


@pytest.mark.parametrize(
    "wiki_id",
    ["evil.com", "xxwiki", "EN", "", "en wiki", "../wiki", "enwikiwiki", "eswikibookswikiwiki"],
)
def test_unknown_wiki_ids_are_refused(wiki_id: str) -> None:
    with pytest.raises(ValueError):
        host_for_wiki_id(wiki_id)


def test_languages() -> None:
    assert is_wikipedia_language("en") and is_wikipedia_language("be-tarask")
    assert not is_wikipedia_language("enwiki")
    assert wikipedia_host("nl") == "nl.wikipedia.org"
    assert wiki_id_for_language("zh-min-nan") == "zh_min_nanwiki"
    with pytest.raises(ValueError):
        wikipedia_host("evil.com/")
