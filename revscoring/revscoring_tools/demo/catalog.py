"""The demo models: one per revscoring model type, with its features, labels, dataset
and estimator settings."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from revscoring import Feature

from revscoring_server.model_types import ModelType, model_type_named
from . import features, items, lexicon, text
from .datasets import DRAFT_QUALITY_CLASSES

DEMO_VERSION = "0.1.0-demo"
"""The ``version`` of every demo model."""

_GB_PARAMS: Mapping[str, Any] = MappingProxyType(
    {
        "n_estimators": 60,
        "max_depth": 3,
        "learning_rate": 0.1,
        "max_features": "log2",
        "subsample": 0.9,
        "random_state": 0,
    }
)


@dataclass(frozen=True)
class DemoModel:
    """How to train one demo model.

    ``dataset`` names a builder of :data:`.datasets.DATASETS`, called with ``seed`` and
    ``observations``; a ``test_share`` of the observations is held out and used to fill
    the model's test statistics.
    """

    wiki: str
    model_type: ModelType
    labels: tuple[Any, ...]
    feature_source: str  # the production feature list, "module.list"
    dropped: str
    dataset: str
    seed: int
    observations: int
    test_share: float = 0.2
    estimator_params: Mapping[str, Any] = field(default_factory=lambda: _GB_PARAMS)

    @property
    def features(self) -> tuple[Feature, ...]:
        """The features of :attr:`feature_source` (:func:`.features.feature_list`)."""
        return features.feature_list(self.feature_source)

    @property
    def name(self) -> str:
        """The model's ``INFERENCE_NAME``: ``{wiki}-{model}``."""
        return f"{self.wiki}-{self.model_type.name}"


_VECTORS = "word vectors: small demo ones (demo/vectors.py) under the production file name"


def _edit_model(name: str) -> DemoModel:
    return DemoModel(
        "enwiki",
        model_type_named(name),
        (False, True),
        f"editquality.feature_lists.enwiki.{name}",
        "",
        "enwiki-edits",
        seed=1,
        observations=160,
        estimator_params=MappingProxyType({**_GB_PARAMS, "n_estimators": 80}),
    )


DEMO_MODELS: tuple[DemoModel, ...] = (
    _edit_model("damaging"),
    _edit_model("goodfaith"),
    _edit_model("reverted"),
    DemoModel(
        "enwiki",
        model_type_named("articlequality"),
        text.QUALITY_CLASSES,
        "articlequality.feature_lists.enwiki.wp10",
        "",
        "enwiki-articles",
        seed=2,
        observations=150,
    ),
    DemoModel(
        "enwiki",
        model_type_named("draftquality"),
        DRAFT_QUALITY_CLASSES,
        "draftquality.feature_lists.enwiki.draft_quality",
        "sentiment_based (3 features): need NLTK's sentiwordnet/wordnet corpora",
        "enwiki-drafts",
        seed=3,
        observations=120,
    ),
    DemoModel(
        "enwiki",
        model_type_named("articletopic"),
        lexicon.TOPIC_LABELS,
        "drafttopic.feature_lists.enwiki.articletopic",
        _VECTORS,
        "enwiki-articles",
        seed=2,
        observations=150,
        estimator_params=MappingProxyType({**_GB_PARAMS, "n_estimators": 40}),
    ),
    DemoModel(
        "enwiki",
        model_type_named("drafttopic"),
        lexicon.TOPIC_LABELS,
        "drafttopic.feature_lists.enwiki.drafttopic",
        _VECTORS,
        "enwiki-new-articles",
        seed=4,
        observations=150,
        estimator_params=MappingProxyType({**_GB_PARAMS, "n_estimators": 40}),
    ),
    DemoModel(
        "wikidatawiki",
        model_type_named("itemquality"),
        items.ITEM_QUALITY_CLASSES,
        "articlequality.feature_lists.wikidatawiki.item_quality",
        "",
        "wikidatawiki-items",
        seed=5,
        observations=125,
    ),
    DemoModel(
        "wikidatawiki",
        model_type_named("itemtopic"),
        lexicon.TOPIC_LABELS,
        "drafttopic.feature_lists.wikidata.articletopic",
        _VECTORS,
        "wikidatawiki-items",
        seed=5,
        observations=125,
        estimator_params=MappingProxyType({**_GB_PARAMS, "n_estimators": 40}),
    ),
)
"""Every demo model, one per model type."""

DEMO_MODEL_NAMES: tuple[str, ...] = tuple(model.name for model in DEMO_MODELS)


def demo_model(name: str) -> DemoModel:
    """The demo model called ``name`` (``"enwiki-damaging"``)."""
    for model in DEMO_MODELS:
        if model.name == name:
            return model
    raise KeyError(f"no demo model {name!r} (known: {', '.join(DEMO_MODEL_NAMES)})")
