"""The feature lists of the demo models: the real ORES lists where they work here, and
documented substitutes where they do not.

* **editquality** (damaging, goodfaith, reverted): ``editquality.feature_lists.enwiki``
  ``damaging`` (80 features; ``goodfaith`` and ``reverted`` are the same list), unchanged.
* **articlequality**: ``articlequality.feature_lists.enwiki.wp10`` (42 features), unchanged.
* **draftquality**: ``draftquality.feature_lists.enwiki.draft_quality`` (92 features)
  without its 3 ``sentiment_based`` features (:data:`DRAFTQUALITY_DROPPED`), 89 remain.
* **articletopic / drafttopic**: substitute, see :data:`TOPIC_FEATURES`.
* **itemquality**: ``articlequality.feature_lists.wikidatawiki.item_quality`` (54 features),
  unchanged.
* **itemtopic**: substitute, see :data:`ITEMTOPIC_FEATURES`.
"""

import re

from revscoring import Feature
from revscoring.datasources.meta import frequencies
from revscoring.features import modifiers, wikibase, wikitext
from revscoring.features.meta import aggregators, vectorizers
from revscoring.languages import english

from articlequality.feature_lists import enwiki as articlequality_enwiki
from articlequality.feature_lists import wikidatawiki as articlequality_wikidatawiki
from draftquality.feature_lists import enwiki as draftquality_enwiki
from editquality.feature_lists import enwiki as editquality_enwiki

from .items import COUNTRY_PROPERTIES, ITEM_CLASSES
from .lexicon import REGIONS

EDITQUALITY_FEATURES: tuple[Feature, ...] = tuple(editquality_enwiki.damaging)
"""``editquality.feature_lists.enwiki.damaging`` (= ``goodfaith`` = ``reverted``)."""

ARTICLEQUALITY_FEATURES: tuple[Feature, ...] = tuple(articlequality_enwiki.wp10)
"""``articlequality.feature_lists.enwiki.wp10``."""

DRAFTQUALITY_DROPPED: tuple[Feature, ...] = tuple(draftquality_enwiki.sentiment_based)
"""Dropped from draftquality's list: ``english.sentiment.revision.positive_polarity``,
``english.sentiment.revision.negative_polarity`` and
``english.sentiment.revision.diff_polarity``. They score the revision's non-stopwords
with NLTK's SentiWordNet (``nltk.corpus.sentiwordnet``), which needs NLTK's
``sentiwordnet`` and ``wordnet`` corpora; those cannot be downloaded here (nltk's
downloader has no network and no package ships them), and ``swn.senti_synsets`` raises
``LookupError`` without them. Everything else of the list is kept, including its
upstream quirk that ``who_templates`` is named ``enwiki.revision.cn_templates`` like
``cn_templates`` (revscoring identifies dependents by name, so both features get the
value of whichever is solved first, as in ORES)."""

_DROPPED_NAMES = frozenset(str(feature) for feature in DRAFTQUALITY_DROPPED)
# (revscoring's Feature overloads ==, so features are compared by name, not with "in")
DRAFTQUALITY_FEATURES: tuple[Feature, ...] = tuple(
    feature for feature in draftquality_enwiki.draft_quality if str(feature) not in _DROPPED_NAMES
)
"""``draftquality.feature_lists.enwiki.draft_quality`` minus :data:`DRAFTQUALITY_DROPPED`."""

ITEMQUALITY_FEATURES: tuple[Feature, ...] = tuple(articlequality_wikidatawiki.item_quality)
"""``articlequality.feature_lists.wikidatawiki.item_quality``."""

TOPIC_WORDS: tuple[str, ...] = (
    # biography
    "born", "early", "life", "career", "studied", "married", "retired", "died", "personal",
    # literature
    "novel", "novelist", "poet", "poetry", "literary", "literature", "prose", "fiction",
    "book", "translated", "essay", "author", "writer", "published", "bestseller", "critic",
    # music
    "album", "song", "singer", "band", "concert", "guitar", "piano", "jazz", "orchestra",
    "symphony", "chart", "record", "lyrics", "melody", "composer", "music", "musical",
    # films
    "film", "director", "cinematography", "screenplay", "actor", "actress", "box",
    "premiere", "festival", "cast", "photography", "drama", "comedy",
    # sports
    "footballer", "league", "club", "goal", "match", "tournament", "championship", "coach",
    "team", "olympic", "season", "midfielder", "player", "tennis", "cup",
    # food and drink
    "dish", "cooked", "recipe", "sauce", "rice", "meat", "soup", "noodles", "cheese", "bread",
    "restaurant", "butter", "spices", "dessert", "cuisine", "food", "fried",
    # geography
    "city", "town", "municipality", "population", "river", "census", "climate", "region",
    "kilometres", "coast", "elevation", "province", "lakes", "mountains", "settlement",
    # business and economics
    "company", "revenue", "profit", "shareholders", "merger", "acquired", "stock", "market",
    "firm", "employs", "executive", "logistics", "retail", "business", "financial",
    # military and warfare
    "battle", "army", "infantry", "cavalry", "siege", "artillery", "regiment", "soldiers",
    "war", "garrison", "naval", "casualties", "military", "campaign", "treaty",
    # politics and government
    "politician", "parliament", "election", "minister", "government", "party", "mayor",
    "cabinet", "ambassador", "opposition", "policy", "constitutional", "elected", "president",
    # biology
    "species", "genus", "habitat", "frog", "plant", "flowers", "seeds", "larvae", "dna",
    "clade", "insects", "leaves", "family", "described", "forest",
    # medicine and health
    "disease", "symptoms", "patients", "treatment", "vaccine", "diagnosis", "infectious",
    "fever", "hospitals", "drug", "clinical", "antibiotics", "chronic", "blood", "medical",
    # physics
    "physics", "particle", "quantum", "electron", "photon", "magnetic", "energy", "radiation",
    "spectrum", "atoms", "temperature", "wave", "mechanics", "laboratory", "physicists",
    # technology
    "software", "database", "programming", "linux", "server", "algorithm", "processors",
    "source", "api", "plugins", "encrypts", "network", "framework", "developers", "version",
)  # fmt: skip
"""The words of the topic models' bag of words (before stemming)."""

REGION_WORDS: tuple[str, ...] = tuple(
    sorted(
        {
            word
            for countries in REGIONS.values()
            for country in countries
            for name in (country.name, country.demonym, *country.cities)
            for word in name.split()
        }
    )
)
"""Country names, demonyms and city names of the demo regions."""


def _stems(words: tuple[str, ...]) -> list[str]:
    return sorted({english.stemmer.stem(word.lower()) for word in words})


TOPIC_STEMS: tuple[str, ...] = tuple(_stems(TOPIC_WORDS + REGION_WORDS))
"""The stems counted by :data:`TOPIC_FEATURES`."""

topic_stem_counts = vectorizers.vectorize(
    english.stemmed.revision.datasources.stem_frequency,
    keys=TOPIC_STEMS,
    returns=int,
    name="demo.enwiki.revision.topic_stem_counts",
)

female_pronouns = aggregators.len(
    wikitext.revision.datasources.tokens_matching(
        r"^(she|her|hers)$", name="demo.enwiki.revision.female_pronoun_tokens", regex_flags=re.I
    ),
    name="demo.enwiki.revision.female_pronouns",
)
male_pronouns = aggregators.len(
    wikitext.revision.datasources.tokens_matching(
        r"^(he|him|his)$", name="demo.enwiki.revision.male_pronoun_tokens", regex_flags=re.I
    ),
    name="demo.enwiki.revision.male_pronouns",
)

TOPIC_FEATURES: tuple[Feature, ...] = (
    topic_stem_counts,
    female_pronouns,
    male_pronouns,
    female_pronouns + male_pronouns,
    female_pronouns / modifiers.max(female_pronouns + male_pronouns, 1),
    wikitext.revision.words,
)
"""Substitute for the ORES articletopic/drafttopic feature list.

ORES's ``drafttopic.feature_lists.enwiki.drafttopic`` (``articletopic`` is the same list)
is the mean of the vectors of the revision's lower-cased words in a word2vec model
(``enwiki-20191201-learned_vectors.100_cell.300k.vec.bz2``) that is not published on PyPI
and cannot be fetched here, plus four pronoun features (she/her/hers and he/him/his
counts, their sum and the female share). The demo list keeps the pronoun features
(rebuilt here from revscoring's ``tokens_matching``) and replaces the word vectors by a
bag of words built only from revscoring's own features: how often each of
:data:`TOPIC_STEMS` (Snowball stems of ~210 topical English words and of the demo
regions' country, demonym and city names) occurs in
``english.stemmed.revision.datasources.stem_frequency`` (a ``FeatureVector``), plus the
revision's word count."""

ITEMTOPIC_CLAIMS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {("P31", p31) for p31, _ in ITEM_CLASSES.values()}
        | {("P106", occupation) for _, occupation in ITEM_CLASSES.values() if occupation}
        | {
            (pid, country.qid)
            for pid in COUNTRY_PROPERTIES
            for countries in REGIONS.values()
            for country in countries
        }
    )
)
"""The (property, value) claims whose presence :data:`ITEMTOPIC_FEATURES` records."""

ITEMTOPIC_PROPERTIES: tuple[str, ...] = (
    "P569", "P570", "P27", "P625", "P1082", "P17", "P225", "P171", "P105", "P57", "P577",
    "P175", "P178", "P277", "P780", "P2176", "P186", "P585", "P159", "P452", "P2579",
)  # fmt: skip
"""Properties whose presence :data:`ITEMTOPIC_FEATURES` records."""

item_claim_counts = vectorizers.vectorize(
    frequencies.table(
        wikibase.revision.datasources.claims, name="demo.wikidatawiki.revision.claim_table"
    ),
    keys=ITEMTOPIC_CLAIMS,
    returns=int,
    name="demo.wikidatawiki.revision.topic_claims",
)

ITEMTOPIC_FEATURES: tuple[Feature, ...] = (
    item_claim_counts,
    *(wikibase.revision.has_property(pid) for pid in ITEMTOPIC_PROPERTIES),
    wikibase.revision.claims,
    wikibase.revision.sitelinks,
)
"""Substitute for the ORES itemtopic feature list.

ORES's ``drafttopic.feature_lists.wikidata.articletopic`` is the mean of the vectors of
the item's claims (``wikibase.revision.datasources.claims``, (property, value) pairs) in
a word2vec model (``wikidata-20200501-learned_vectors.50_cell.10k.kv``) that is not
published on PyPI. The demo model uses revscoring's Wikibase features over the entity
JSON instead: a ``FeatureVector`` counting the
statements for each of :data:`ITEMTOPIC_CLAIMS` (instance of, occupation and the
country / citizenship / country of origin of the demo regions' countries), whether the
item has each of :data:`ITEMTOPIC_PROPERTIES`, and its claim and sitelink counts."""
