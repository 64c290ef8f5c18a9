"""The ORES v3 response shape, shared by ``:predict`` and the ``/v3/scores`` API::

    {"enwiki": {"models": {"damaging": {"version": "0.5.1"}},
                "scores": {"123": {"damaging": {"score": {"prediction": false,
                                                          "probability": {...}}}}}}}

An error on one revision is reported in place of that score only:
``{"error": {"type": "RevisionNotFound", "message": "..."}}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, RootModel

from inference_common.api_docs import ErrorBody
from inference_common.errors import ModelServerError

from .model_info import InfoQuery, parse_query
from .model_info import answer as info_answer
from .scoring import ServedModel

VERSION_ONLY = parse_query(None)


class Score(BaseModel):
    """A model's score of one revision."""

    prediction: bool | str | list[str]
    probability: dict[str, float]


class ModelAnswer(BaseModel):
    """One model's answer about one revision: a score (``features`` with
    ``features=true`` / ``extended_output``), or the error that prevented it."""

    score: Score | None = None
    features: dict[str, Any] | None = None
    error: ErrorBody | None = None


class WikiResult(BaseModel):
    """What is said about one wiki: its models' info and, when revisions were asked
    for, ``scores[rev_id][model]``."""

    models: dict[str, dict[str, Any]]
    scores: dict[str, dict[str, ModelAnswer]] | None = None


class OresResponse(RootModel[dict[str, WikiResult]]):
    """The ORES v3 response, by wiki (documentation only: responses are not re-validated)."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "enwiki": {
                        "models": {"damaging": {"version": "0.5.1"}},
                        "scores": {
                            "123456": {
                                "damaging": {
                                    "score": {
                                        "prediction": False,
                                        "probability": {"false": 0.93, "true": 0.07},
                                    }
                                }
                            }
                        },
                    }
                }
            ]
        }
    }


def _label_key(label: Any) -> str:
    if isinstance(label, bool):
        return "true" if label else "false"
    return str(label)


def model_info(model: ServedModel, query: InfoQuery = VERSION_ONLY) -> dict[str, Any]:
    """What ORES' ``model_info`` said about a model for ``query`` (see :mod:`.model_info`)."""
    own = {
        # written as in the scores' probability keys ("true"/"false" for boolean models)
        "labels": [_label_key(label) for label in model.labels],
        "features": list(model.info.features),
        "revscoring_version": model.info.revscoring_version,
        "trained": model.info.trained,
    }
    return info_answer(model.name, model.info.details, own, query)


def ores_response(
    wiki: str,
    models: Sequence[ServedModel],
    results: Mapping[int, Mapping[str, Any]],
    *,
    infos: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """``infos``: what to say about each model (by type name; default: its version)."""
    if infos is None:
        infos = {model.model_type.name: model_info(model) for model in models}
    return {
        wiki: {
            "models": dict(infos),
            "scores": {
                str(rev_id): {
                    type_name: (
                        {"error": result.to_dict()}
                        if isinstance(result, ModelServerError)
                        else result
                    )
                    for type_name, result in by_model.items()
                }
                for rev_id, by_model in results.items()
            },
        }
    }
