"""The revscoring models Lift Wing serves (110), as the tests know them: each one's Lift Wing
name, the wiki's database name and host, its model type and the feature list production
built it from (``<package>.feature_lists.<module>``).

Written out by hand from Lift Wing's catalogue, independently of the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass

# model type -> the wikis Lift Wing serves it for (Lift Wing's "{wiki}wiki" prefix, minus "wiki")
_CATALOGUE = {
    "articlequality": "en eu fa frwikisource fr gl nl pt ru sv tr uk",
    "itemquality": "wikidata",
    "draftquality": "en pt",
    "damaging": "ar bs ca cs de en eswikibooks es eswikiquote et fa fi fr he hi hu it ja ko lv "
    "nl no pl pt ro ru sq sr sv uk wikidata zh",
    "reverted": "bn el enwiktionary gl hr id is ta vi translate",
    "articletopic": "ar cs en eu hu hy ko sr uk vi",
    "itemtopic": "wikidata",
    "drafttopic": "ar cs en eu hu hy ko sr uk vi",
}
_CATALOGUE["goodfaith"] = _CATALOGUE["damaging"]

_PACKAGE = {
    "articlequality": "articlequality",
    "itemquality": "articlequality",
    "draftquality": "draftquality",
    "damaging": "editquality",
    "goodfaith": "editquality",
    "reverted": "editquality",
    "articletopic": "drafttopic",
    "itemtopic": "drafttopic",
    "drafttopic": "drafttopic",
}

# database name -> public host, for every wiki that is not "{lang}wiki" on wikipedia.org
_HOSTS = {
    "eswikibooks": "es.wikibooks.org",
    "eswikiquote": "es.wikiquote.org",
    "frwikisource": "fr.wikisource.org",
    "enwiktionary": "en.wiktionary.org",
    "translatewiki": "translatewiki.net",
    "wikidatawiki": "www.wikidata.org",
}

# the word2vec file each topic feature list loads when imported (drafttopic 0.4.1)
TOPIC_VECTORS = {
    "arwiki": "arwiki-20200501-learned_vectors.50_cell.10k.kv",
    "cswiki": "cswiki-20200501-learned_vectors.50_cell.10k.kv",
    "enwiki": "enwiki-20200501-learned_vectors.50_cell.10k.kv",
    "euwiki": "euwiki-20201201-learned_vectors.50_cell.10k.kv",
    "huwiki": "huwiki-20201201-learned_vectors.50_cell.10k.kv",
    "hywiki": "hywiki-20201201-learned_vectors.50_cell.10k.kv",
    "kowiki": "kowiki-20200501-learned_vectors.50_cell.10k.kv",
    "srwiki": "srwiki-20201201-learned_vectors.50_cell.10k.kv",
    "ukwiki": "ukwiki-20201201-learned_vectors.50_cell.10k.kv",
    "viwiki": "viwiki-20200501-learned_vectors.50_cell.10k.kv",
    "wikidatawiki": "wikidata-20200501-learned_vectors.50_cell.10k.kv",
}


@dataclass(frozen=True)
class LiftWingModel:
    name: str  # Lift Wing's name: eswikibookswiki-goodfaith
    dbname: str  # eswikibooks
    host: str  # es.wikibooks.org
    model_type: str  # goodfaith
    feature_list: str  # editquality.feature_lists.eswikibooks

    @property
    def dbname_form(self) -> str:
        """The same model named with the database name: eswikibooks-goodfaith."""
        return f"{self.dbname}-{self.model_type}"

    @property
    def topic(self) -> bool:
        return _PACKAGE[self.model_type] == "drafttopic"


def _model(wiki: str, model_type: str) -> LiftWingModel:
    name = f"{wiki}wiki-{model_type}"
    sister = wiki.endswith(("wikibooks", "wikiquote", "wikisource", "wiktionary"))
    dbname = wiki if sister else f"{wiki}wiki"
    host = _HOSTS.get(dbname, f"{wiki}.wikipedia.org")
    package = _PACKAGE[model_type]
    # drafttopic calls its Wikidata list "wikidata", the others use the database name
    module = "wikidata" if (package, dbname) == ("drafttopic", "wikidatawiki") else dbname
    return LiftWingModel(name, dbname, host, model_type, f"{package}.feature_lists.{module}")


LIFT_WING_MODELS: tuple[LiftWingModel, ...] = tuple(
    _model(wiki, model_type) for model_type, wikis in _CATALOGUE.items() for wiki in wikis.split()
)

FEATURE_LISTS: tuple[str, ...] = tuple(
    sorted({m.feature_list for m in LIFT_WING_MODELS if not m.topic})
)
"""Every non-topic feature list the served models were built from (they import offline)."""

TOPIC_FEATURE_LISTS: dict[str, str] = {
    m.feature_list: TOPIC_VECTORS[m.dbname] for m in LIFT_WING_MODELS if m.topic
}
"""Topic feature list -> the word2vec file it loads at import."""
