"""The revscoring model types the server knows, and what each needs and answers.

A served model is named ``{wiki}-{model}`` (``enwiki-damaging``,
``wikidatawiki-itemquality``); ``wiki`` is the wiki's database name (``eswikibooks``) or
Lift Wing's spelling of it (``eswikibookswiki``, see
:func:`inference_common.wikis.canonical_wiki_id`), and ``model`` is one of the types
registered in :data:`MODEL_TYPES`. For each type the registry says:

* its **family**: the ORES repository its models come from;
* its **label kind**: a boolean (editquality), one class of several
  (articlequality, draftquality, itemquality) or a set of labels (topics);
* the **revision data** its features need beyond the revision itself (the parent
  revision, the user's info, the page's creation revision);
* the **content model** of the revision text it expects (wikitext, or Wikibase entity
  JSON for the ``item*`` types);
* how its **ORES output** looks (:func:`format_score`, :func:`check_output`)::

    editquality     {"prediction": false, "probability": {"false": 0.9, "true": 0.1}}
    articlequality  {"prediction": "B", "probability": {"Stub": 0.01, ..., "FA": 0.02}}
    topic           {"prediction": ["STEM.Technology", ...],
                     "probability": {"STEM.Technology": 0.93, ...}}
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any

from inference_common.wikis import canonical_wiki_id


class Family(str, Enum):
    """The ORES repository (and PyPI package) a model type comes from."""

    EDITQUALITY = "editquality"
    ARTICLEQUALITY = "articlequality"  # also Wikidata item quality
    DRAFTQUALITY = "draftquality"
    DRAFTTOPIC = "drafttopic"  # article, draft and Wikidata item topics


class LabelKind(str, Enum):
    """What a model predicts."""

    BOOLEAN = "boolean"  # True or False
    ONE_OF = "one-of"  # exactly one class of several
    MULTILABEL = "multilabel"  # any subset of the labels


class ContentModel(str, Enum):
    """The MediaWiki content model of the revision text a model type reads."""

    WIKITEXT = "wikitext"
    WIKIBASE_ITEM = "wikibase-item"


@dataclass(frozen=True)
class RevisionNeeds:
    """Which documents beyond the revision itself (always fetched with its text) the
    features of a model type depend on."""

    parent: bool = False  # the parent revision, with its text
    user_info: bool = False  # list=users: groups, registration, editcount ...
    page_creation: bool = False  # the page's first revision (metadata only)


@dataclass(frozen=True)
class ModelType:
    """One revscoring model type (the ``{model}`` of ``{wiki}-{model}``)."""

    name: str
    family: Family
    label_kind: LabelKind
    needs: RevisionNeeds
    content_model: ContentModel
    description: str

    @property
    def multilabel(self) -> bool:
        """True for the topic types, whose prediction is a list of labels."""
        return self.label_kind is LabelKind.MULTILABEL


_EDIT_NEEDS = RevisionNeeds(parent=True, user_info=True)
_TEXT_ONLY = RevisionNeeds()


def _edit_type(name: str, description: str) -> ModelType:
    return ModelType(
        name, Family.EDITQUALITY, LabelKind.BOOLEAN, _EDIT_NEEDS, ContentModel.WIKITEXT, description
    )


_TYPES = (
    _edit_type("damaging", "Is the edit damaging to the article?"),
    _edit_type("goodfaith", "Was the edit saved in good faith?"),
    _edit_type("reverted", "Will the edit be reverted?"),
    ModelType(
        "articlequality",
        Family.ARTICLEQUALITY,
        LabelKind.ONE_OF,
        _TEXT_ONLY,
        ContentModel.WIKITEXT,
        "The article's quality class after the revision (enwiki: Stub, Start, C, B, GA, FA).",
    ),
    ModelType(
        "draftquality",
        Family.DRAFTQUALITY,
        LabelKind.ONE_OF,
        _TEXT_ONLY,
        ContentModel.WIKITEXT,
        "Whether a new article is OK or should be deleted as spam, vandalism or an attack.",
    ),
    ModelType(
        "articletopic",
        Family.DRAFTTOPIC,
        LabelKind.MULTILABEL,
        _TEXT_ONLY,
        ContentModel.WIKITEXT,
        "The topics of an article (WikiProject-derived taxonomy, e.g. STEM.Technology).",
    ),
    ModelType(
        "drafttopic",
        Family.DRAFTTOPIC,
        LabelKind.MULTILABEL,
        _TEXT_ONLY,
        ContentModel.WIKITEXT,
        "The topics of a new article or draft, from its first revision.",
    ),
    ModelType(
        "itemquality",
        Family.ARTICLEQUALITY,
        LabelKind.ONE_OF,
        _TEXT_ONLY,
        ContentModel.WIKIBASE_ITEM,
        "The quality class of a Wikidata item (A best .. E worst).",
    ),
    ModelType(
        "itemtopic",
        Family.DRAFTTOPIC,
        LabelKind.MULTILABEL,
        _TEXT_ONLY,
        ContentModel.WIKIBASE_ITEM,
        "The topics of a Wikidata item.",
    ),
)

MODEL_TYPES: Mapping[str, ModelType] = MappingProxyType({t.name: t for t in _TYPES})
"""Every model type the server knows, by name."""


class UnknownModelType(ValueError):
    """A model name that is not ``{wiki}-{model}`` with a known ``wiki`` and ``model``."""


def model_type_named(name: str) -> ModelType:
    """The model type called ``name`` (``"damaging"``)."""
    try:
        return MODEL_TYPES[name]
    except KeyError:
        known = ", ".join(sorted(MODEL_TYPES))
        raise UnknownModelType(f"unknown model type {name!r} (known: {known})") from None


def parse_inference_name(inference_name: str) -> tuple[str, ModelType]:
    """Split ``"enwiki-damaging"`` into ``("enwiki", <ModelType damaging>)``; the wiki comes
    back as its database name (``"eswikibookswiki-goodfaith"`` -> ``"eswikibooks"``)."""
    wiki, sep, name = inference_name.rpartition("-")
    if not sep or not wiki:
        raise UnknownModelType(f"model name {inference_name!r} is not '{{wiki}}-{{model}}'")
    model_type = model_type_named(name)
    try:
        return canonical_wiki_id(wiki), model_type
    except ValueError as error:
        raise UnknownModelType(f"model name {inference_name!r}: {error}") from None


def _label_key(label: Any) -> str:
    """How a label is written as a JSON object key in ORES output."""
    if isinstance(label, bool):
        return "true" if label else "false"
    return str(label)


def format_score(model_type: ModelType, score: Mapping[str, Any]) -> dict[str, Any]:
    """A revscoring ``model.score()`` result in the ORES output shape of ``model_type``.

    revscoring gives boolean models' probabilities with ``True``/``False`` keys and
    numpy scalars in places; ORES answers JSON with ``"true"``/``"false"`` keys and plain
    floats, and a list prediction for topic models.
    """
    probability = {_label_key(label): float(p) for label, p in score["probability"].items()}
    prediction = score["prediction"]
    if model_type.label_kind is LabelKind.BOOLEAN:
        prediction = bool(prediction)
    elif model_type.label_kind is LabelKind.MULTILABEL:
        prediction = [str(label) for label in prediction]
    else:
        prediction = str(prediction)
    return {"prediction": prediction, "probability": probability}


def check_output(model_type: ModelType, output: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` unless ``output`` has the ORES output shape of ``model_type``."""
    if set(output) != {"prediction", "probability"}:
        raise ValueError(f"expected prediction and probability, got {sorted(output)}")
    probability = output["probability"]
    if not isinstance(probability, Mapping) or not probability:
        raise ValueError("probability must be a non-empty object")
    for label, p in probability.items():
        if not isinstance(label, str) or not isinstance(p, float) or not 0.0 <= p <= 1.0:
            raise ValueError(f"bad probability entry {label!r}: {p!r}")
    prediction = output["prediction"]
    if model_type.label_kind is LabelKind.BOOLEAN:
        if not isinstance(prediction, bool) or set(probability) != {"true", "false"}:
            raise ValueError("a boolean model predicts true/false with both probabilities")
    elif model_type.label_kind is LabelKind.ONE_OF:
        if not isinstance(prediction, str) or prediction not in probability:
            raise ValueError(f"prediction {prediction!r} is not one of the classes")
    elif not isinstance(prediction, list) or not set(prediction) <= set(probability):
        raise ValueError(f"prediction {prediction!r} is not a list of the labels")
    if model_type.label_kind is not LabelKind.MULTILABEL:
        if not math.isclose(sum(probability.values()), 1.0, abs_tol=1e-6):
            raise ValueError("class probabilities must sum to 1")
