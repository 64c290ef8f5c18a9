"""The ORES v3 response shape, shared by ``:predict`` and the ``/v3/scores`` API::

    {"enwiki": {"models": {"damaging": {"version": "0.5.1"}},
                "scores": {"123": {"damaging": {"score": {"prediction": false,
                                                          "probability": {...}}}}}}}

An error on one revision is reported in place of that score only:
``{"error": {"type": "RevisionNotFound", "message": "..."}}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from inference_common.errors import ModelServerError

from .scoring import ServedModel

MODEL_INFO_FIELDS = ("version", "type", "labels", "features", "revscoring_version")


def _label_key(label: Any) -> str:
    if isinstance(label, bool):
        return "true" if label else "false"
    return str(label)


def model_info(model: ServedModel, fields: Iterable[str] = ("version",)) -> dict[str, Any]:
    """What ORES' ``model_info`` said about a model, for the requested fields."""
    available = {
        "version": model.version,
        "type": type(model.loaded.model).__name__,
        # written as in the scores' probability keys ("true"/"false" for boolean models)
        "labels": [_label_key(label) for label in model.labels],
        "features": [str(feature) for feature in model.loaded.features],
        "revscoring_version": model.loaded.revscoring_version,
    }
    return {field: available[field] for field in fields if field in available}


def ores_response(
    wiki: str,
    models: Sequence[ServedModel],
    results: Mapping[int, Mapping[str, Any]],
    *,
    info_fields: Iterable[str] = ("version",),
) -> dict[str, Any]:
    fields = list(info_fields)
    return {
        wiki: {
            "models": {model.kind.name: model_info(model, fields) for model in models},
            "scores": {
                str(rev_id): {
                    kind: (
                        {"error": result.to_dict()}
                        if isinstance(result, ModelServerError)
                        else result
                    )
                    for kind, result in by_model.items()
                }
                for rev_id, by_model in results.items()
            },
        }
    }
