"""The revert-risk classifier: a LightGBM booster plus its metadata file.

On disk (what ``python -m revert_risk_tools.train --out DIR`` writes and the server loads)::

    DIR/model.txt       LightGBM's own text model format (MODEL_PATH points here)
    DIR/metadata.json   model version, library, feature names, training date and params

Loading checks that the metadata's feature names are exactly the code's
:data:`~revert_risk.features.FEATURE_NAMES`, in order: a model trained on other features
would silently score garbage, so the server refuses to start instead
(:class:`~inference_common.errors.ModelLoadError`, one line).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import lightgbm
import numpy as np

from inference_common.errors import ModelLoadError

from .features import FEATURE_NAMES

LIBRARY = "lightgbm"
MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"


def metadata_path(model_path: Path) -> Path:
    """The metadata file that sits beside a model file."""
    return model_path.with_name(METADATA_FILE)


@dataclass(frozen=True)
class RevertRiskClassifier:
    """A loaded model. Immutable; safe to share between concurrent requests."""

    booster: lightgbm.Booster = field(repr=False)
    model_version: str
    metadata: dict[str, Any] = field(repr=False)

    def predict_proba(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """P(the edit will be reverted) for each row of :data:`FEATURE_NAMES` values."""
        if not rows:
            return []
        matrix = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))
        scores = self.booster.predict(matrix, num_threads=1)
        return [min(1.0, max(0.0, float(score))) for score in scores]


def _describe_difference(expected: Sequence[str], found: Sequence[str]) -> str:
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing[:5]) + ("..." if len(missing) > 5 else ""))
    if unexpected:
        parts.append(
            "unknown " + ", ".join(unexpected[:5]) + ("..." if len(unexpected) > 5 else "")
        )
    return "; ".join(parts) or "same names in another order"


def read_metadata(model_path: Path) -> dict[str, Any]:
    """The model's metadata, or :class:`ModelLoadError` saying what is wrong with it."""
    path = metadata_path(model_path)
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelLoadError(f"model metadata {path} does not exist (it sits beside MODEL_PATH)")
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ModelLoadError(f"model metadata {path} is unreadable: {error}") from None
    if not isinstance(metadata, dict):
        raise ModelLoadError(f"model metadata {path} is not a JSON object")
    return metadata


def check_metadata(metadata: dict[str, Any], model_path: Path) -> None:
    """Refuse metadata of another library or of other features."""
    library = metadata.get("library")
    if library != LIBRARY:
        raise ModelLoadError(
            f"model {model_path} is a {library!r} model; this server loads {LIBRARY}"
        )
    names = metadata.get("feature_names")
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ModelLoadError(f"model metadata of {model_path} has no feature_names list")
    if tuple(names) != FEATURE_NAMES:
        raise ModelLoadError(
            f"model {model_path} was trained on other features than this code computes "
            f"({_describe_difference(FEATURE_NAMES, names)}); retrain it with "
            "python -m revert_risk_tools.train"
        )
    if not isinstance(metadata.get("model_version"), str) or not metadata["model_version"]:
        raise ModelLoadError(f"model metadata of {model_path} has no model_version")


def load_classifier(model_path: Path) -> RevertRiskClassifier:
    """Load and check the model at ``model_path`` (and its metadata beside it)."""
    if not model_path.is_file():
        raise ModelLoadError(f"model file {model_path} does not exist (MODEL_PATH)")
    metadata = read_metadata(model_path)
    check_metadata(metadata, model_path)
    try:
        booster = lightgbm.Booster(model_file=str(model_path))
    except lightgbm.basic.LightGBMError as error:
        message = " ".join(str(error).split())[:200]
        raise ModelLoadError(
            f"model file {model_path} is not a LightGBM model: {message}"
        ) from None
    if (
        booster.num_feature() != len(FEATURE_NAMES)
        or tuple(booster.feature_name()) != FEATURE_NAMES
    ):
        difference = _describe_difference(FEATURE_NAMES, booster.feature_name())
        raise ModelLoadError(
            f"model file {model_path} does not match its metadata: it takes "
            f"{booster.num_feature()} features ({difference})"
        )
    classifier = RevertRiskClassifier(booster, metadata["model_version"], metadata)
    probe = classifier.predict_proba([[0.0] * len(FEATURE_NAMES)])[0]
    if not math.isfinite(probe):
        raise ModelLoadError(f"model file {model_path} predicts {probe} for an empty edit")
    return classifier
