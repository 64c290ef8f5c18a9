"""The Lift Wing catalogue check on a representative subset: each model is trained on its
wiki's production feature list, served by ``python -m revscoring_server`` under its Lift
Wing name and scores a revision of the embedded MediaWiki (``make catalog`` runs all 110).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from revscoring_server.model_types import model_type_named
from revscoring_server.scoring import accepts
from revscoring_tools import liftwing_catalog as lw

from .support import NLTK_DATA, SERVICE_DIR

CATALOG_MODELS_DIR = SERVICE_DIR / ".cache" / "catalog-models"  # shared with `make catalog`

SUBSET = [
    "enwiki-damaging",
    "dewiki-goodfaith",
    "ptwiki-draftquality",
    "frwiki-articlequality",
    "jawiki-damaging",
    "zhwiki-goodfaith",
    "kowiki-drafttopic",
    "arwiki-articletopic",
    "fiwiki-damaging",
    "ukwiki-articlequality",
    "wikidatawiki-itemquality",
    "wikidatawiki-itemtopic",
    "wikidatawiki-damaging",
    "eswikibookswiki-goodfaith",
    "translatewiki-reverted",
]

# spelling dictionaries (tag (provider)) the server must report for some of them
EXPECTED_DICTIONARIES = {
    "enwiki-damaging": ("en_US (hunspell)", "en_GB (hunspell)", "en_AU (hunspell)"),
    "dewiki-goodfaith": ("de_DE (hunspell)",),
    "ptwiki-draftquality": ("pt_PT (hunspell)", "pt_BR (hunspell)"),
}


def test_the_catalogue_has_every_pair_of_the_issue() -> None:
    assert len(lw.CATALOG) == 110
    names = [entry.name for entry in lw.CATALOG]
    assert len(set(names)) == 110
    by_name = {entry.name: entry for entry in lw.CATALOG}
    assert by_name["eswikibookswiki-goodfaith"].source == (
        "editquality.feature_lists.eswikibooks.goodfaith"
    )
    assert by_name["translatewiki-reverted"].source == (
        "editquality.feature_lists.translatewiki.reverted"
    )
    assert by_name["wikidatawiki-itemquality"].source == (
        "articlequality.feature_lists.wikidatawiki.item_quality"
    )
    assert by_name["wikidatawiki-itemtopic"].source == (
        "drafttopic.feature_lists.wikidata.articletopic"
    )
    assert by_name["frwikisourcewiki-articlequality"].source.endswith("frwikisource.pagelevel")
    assert sum(entry.family in ("damaging", "goodfaith") for entry in lw.CATALOG) == 64


@pytest.mark.parametrize("entry", lw.CATALOG, ids=lambda entry: entry.name)
def test_every_production_feature_list_exists(entry: lw.Entry) -> None:
    """Read, not imported (topic lists load word vectors at import)."""
    module, _, attribute = entry.source.rpartition(".")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, module
    assert f"\n{attribute} = " in Path(spec.origin).read_text(), entry.source


def test_wikidata_edit_models_score_item_edits_and_nothing_else() -> None:
    """editquality's wikidatawiki lists read the revision as entity JSON: on Wikidata the
    edit types score item revisions (``json`` pages stand in for them on the embedded
    wiki), elsewhere wikitext only."""
    damaging = model_type_named("damaging")
    assert accepts(damaging, "wikibase-item", "wikidatawiki")
    assert accepts(damaging, "json", "wikidatawiki")
    assert not accepts(damaging, "wikitext", "wikidatawiki")
    assert accepts(damaging, "wikitext", "enwiki")
    assert not accepts(damaging, "wikibase-item", "enwiki")
    assert not accepts(model_type_named("articlequality"), "wikibase-item", "wikidatawiki")


@pytest.fixture(scope="session")
def trained() -> dict[str, lw.Trained]:
    """The subset's models, trained once (reused while the code is unchanged)."""
    names = [p if isinstance(p, str) else p.values[0] for p in SUBSET]
    entries = lw.select(names)
    return {t.entry.name: t for t in lw.train_all(CATALOG_MODELS_DIR, entries)}


@pytest.mark.parametrize("name", SUBSET)
def test_a_lift_wing_model_is_served_under_its_name_and_scores(
    name: str, trained: dict[str, lw.Trained], embedded_wiki: Any
) -> None:
    model = trained[name]
    assert model.path is not None, model.error
    result = lw.serve_and_score(
        model, CATALOG_MODELS_DIR, embedded_wiki.base_url, embedded_wiki.seed, str(NLTK_DATA)
    )
    assert result.ok, result.error
    assert result.score  # a valid score of the model type (checked by serve_and_score)
    assert result.load_seconds is not None and result.load_seconds > 0
    assert result.rss_mib is not None and result.rss_mib > 50
    for dictionary in EXPECTED_DICTIONARIES.get(name, ()):
        assert dictionary in result.dictionaries, result.dictionaries
