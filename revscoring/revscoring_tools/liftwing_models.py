"""The revscoring models Lift Wing serves (issue #12): 110 (wiki, model type) pairs, each with
its Lift Wing name, the wiki's database name and public host, and the feature list
production built it from (``<package>.feature_lists.<module>.<list>``; for the topic lists
also the word2vec file the module loads when imported).

Written out by hand from Lift Wing's catalogue, independently of the server's code (its
name parsing and wiki table are tested against it), and used by the catalogue check
(:mod:`.liftwing_catalog`, ``make catalog``) and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

_EDIT_WIKIS = (
    "ar bs ca cs de en eswikibooks es eswikiquote et fa fi fr he hi hu it ja ko lv nl no pl "
    "pt ro ru sq sr sv uk wikidata zh"
)
_TOPIC_WIKIS = "ar cs en eu hu hy ko sr uk vi"

WIKIS_BY_TYPE: dict[str, tuple[str, ...]] = {
    model_type: tuple(wikis.split())
    for model_type, wikis in (
        ("articlequality", "en eu fa frwikisource fr gl nl pt ru sv tr uk"),
        ("itemquality", "wikidata"),
        ("draftquality", "en pt"),
        ("damaging", _EDIT_WIKIS),
        ("goodfaith", _EDIT_WIKIS),
        ("reverted", "bn el enwiktionary gl hr id is ta translate vi"),
        ("articletopic", _TOPIC_WIKIS),
        ("itemtopic", "wikidata"),
        ("drafttopic", _TOPIC_WIKIS),
    )
}
"""Model type -> the wikis Lift Wing serves it for, as Lift Wing names them minus the
``wiki`` of ``{wiki}wiki-{type}`` (``en``, ``eswikibooks``, ``translate``, ``wikidata``)."""

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

_SISTER_PROJECTS = ("wikibooks", "wikiquote", "wikisource", "wiktionary")

_HOSTS = {
    "eswikibooks": "es.wikibooks.org",
    "eswikiquote": "es.wikiquote.org",
    "frwikisource": "fr.wikisource.org",
    "enwiktionary": "en.wiktionary.org",
    "translatewiki": "translatewiki.net",
    "wikidatawiki": "www.wikidata.org",
}
"""Database name -> public host, for every wiki that is not ``{lang}wiki`` on
``{lang}.wikipedia.org``."""

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
"""Database name -> the word2vec file its topic feature list loads when imported
(drafttopic 0.4.1); the server finds it in ``WORD2VEC_DIR``."""


@dataclass(frozen=True)
class LiftWingModel:
    """One revscoring model Lift Wing serves."""

    name: str  # Lift Wing's InferenceService name: eswikibookswiki-goodfaith
    wiki: str  # the name's wiki minus "wiki": eswikibooks, en, translate, wikidata
    dbname: str  # eswikibooks, enwiki, translatewiki, wikidatawiki
    host: str  # es.wikibooks.org
    model_type: str  # goodfaith, itemquality
    feature_list: str  # editquality.feature_lists.eswikibooks.goodfaith

    @property
    def feature_module(self) -> str:
        """The module of :attr:`feature_list`: ``editquality.feature_lists.eswikibooks``."""
        return self.feature_list.rpartition(".")[0]

    @property
    def dbname_form(self) -> str:
        """The same model named with the database name: ``eswikibooks-goodfaith``."""
        return f"{self.dbname}-{self.model_type}"

    @property
    def topic(self) -> bool:
        return _PACKAGE[self.model_type] == "drafttopic"

    @property
    def vectors(self) -> str | None:
        """The word2vec file a topic model's feature list loads, else None."""
        return TOPIC_VECTORS[self.dbname] if self.topic else None


def _feature_list(dbname: str, model_type: str) -> str:
    package = _PACKAGE[model_type]
    # drafttopic calls its Wikidata module "wikidata", the others use the database name
    module = "wikidata" if (package, dbname) == ("drafttopic", "wikidatawiki") else dbname
    if package == "articlequality":
        name = {"frwikisource": "pagelevel", "wikidatawiki": "item_quality"}.get(dbname, "wp10")
    elif package == "draftquality":
        name = "draft_quality"
    elif model_type == "itemtopic":
        name = "articletopic"
    else:
        name = model_type
    return f"{package}.feature_lists.{module}.{name}"


def _model(wiki: str, model_type: str) -> LiftWingModel:
    dbname = wiki if wiki.endswith(_SISTER_PROJECTS) else f"{wiki}wiki"
    return LiftWingModel(
        name=f"{wiki}wiki-{model_type}",
        wiki=wiki,
        dbname=dbname,
        host=_HOSTS.get(dbname, f"{wiki}.wikipedia.org"),
        model_type=model_type,
        feature_list=_feature_list(dbname, model_type),
    )


LIFT_WING_MODELS: tuple[LiftWingModel, ...] = tuple(
    _model(wiki, model_type) for model_type, wikis in WIKIS_BY_TYPE.items() for wiki in wikis
)
"""All 110, grouped by model type in the issue's order."""

FEATURE_LISTS: tuple[str, ...] = tuple(
    sorted({m.feature_module for m in LIFT_WING_MODELS if not m.topic})
)
"""Every non-topic feature list module the served models were built from (they import
offline)."""

TOPIC_FEATURE_LISTS: dict[str, str] = {
    m.feature_module: TOPIC_VECTORS[m.dbname] for m in LIFT_WING_MODELS if m.topic
}
"""Topic feature list module -> the word2vec file it loads at import."""


def by_name(names: list[str] | tuple[str, ...]) -> list[LiftWingModel]:
    """The models called ``names`` (Lift Wing names), in that order; ``KeyError`` naming the
    unknown ones."""
    known = {model.name: model for model in LIFT_WING_MODELS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise KeyError(f"not Lift Wing model names: {', '.join(unknown)}")
    return [known[name] for name in names]
