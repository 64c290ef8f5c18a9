"""The feature lists of the demo models: the real ORES lists where they work here, and
the one documented omission (draftquality's sentiment features).

* **editquality** (damaging, goodfaith, reverted): ``editquality.feature_lists.enwiki``
  ``damaging`` (80 features; ``goodfaith`` and ``reverted`` are the same list), unchanged.
* **articlequality**: ``articlequality.feature_lists.enwiki.wp10`` (42 features), unchanged.
* **draftquality**: ``draftquality.feature_lists.enwiki.draft_quality`` (92 features)
  without its 3 ``sentiment_based`` features (:data:`DRAFTQUALITY_DROPPED`), 89 remain.
* **articletopic / drafttopic**: ``drafttopic.feature_lists.enwiki.articletopic`` /
  ``drafttopic`` (the mean of the revision's word vectors plus four pronoun counts),
  unchanged, over small vectors that :mod:`.vectors` trains and saves under the production
  file name (the real ones are not published on PyPI).
* **itemquality**: ``articlequality.feature_lists.wikidatawiki.item_quality`` (54 features),
  unchanged.
* **itemtopic**: ``drafttopic.feature_lists.wikidata.articletopic`` (the mean of the item's
  claim word vectors), unchanged, over vectors from :mod:`.vectors`.

:func:`feature_list` resolves any such ``module.list`` name (as the catalogue check does for
every wiki's production list), loading word vectors from :mod:`.vectors` first.
"""

import importlib
from functools import lru_cache
from pathlib import Path

from revscoring import Feature

from articlequality.feature_lists import enwiki as articlequality_enwiki
from articlequality.feature_lists import wikidatawiki as articlequality_wikidatawiki
from draftquality.feature_lists import enwiki as draftquality_enwiki
from editquality.feature_lists import enwiki as editquality_enwiki

from . import vectors

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


SENTIMENT_MARKER = ".sentiment."
"""Features whose name holds this are dropped from any list (see :data:`DRAFTQUALITY_DROPPED`)."""

DROPPED_REASON = "they need NLTK's sentiwordnet and wordnet corpora, which are not available here"
"""Why :data:`SENTIMENT_MARKER` features are dropped."""


@lru_cache(maxsize=None)
def production_list(source: str, vectors_dir: Path | None = None) -> tuple[Feature, ...]:
    """Every feature of ``source`` (``"editquality.feature_lists.jawiki.damaging"``), as
    production's list has it. Feature list modules that load word vectors at import get the
    demo vectors (:mod:`.vectors`, trained into ``vectors_dir``, by default
    :data:`.vectors.DEFAULT_DIR`) first."""
    module_name, _, attribute = source.rpartition(".")
    if vectors.files_of([module_name]):
        module = vectors.import_with_vectors(module_name, vectors_dir or vectors.DEFAULT_DIR)
    else:
        module = importlib.import_module(module_name)
    return tuple(getattr(module, attribute))


@lru_cache(maxsize=None)
def feature_list(source: str, vectors_dir: Path | None = None) -> tuple[Feature, ...]:
    """The features of ``source`` (:func:`production_list`) the demo tools train on: all
    but the sentiment features that need NLTK corpora absent here."""
    features = production_list(source, vectors_dir)
    return tuple(feature for feature in features if SENTIMENT_MARKER not in str(feature))


def dropped_features(source: str, vectors_dir: Path | None = None) -> tuple[str, ...]:
    """The names of the features of ``source`` that :func:`feature_list` leaves out (for
    :data:`DROPPED_REASON`)."""
    features = production_list(source, vectors_dir)
    return tuple(str(feature) for feature in features if SENTIMENT_MARKER in str(feature))
