"""The model: train, save, load, predict; the checks at load; the training cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from inference_common.errors import ModelLoadError
from revert_risk.classifier import METADATA_FILE, MODEL_FILE, load_classifier
from revert_risk.features import FEATURE_NAMES, extract_features, feature_row
from revert_risk_tools.synthetic import make_dataset
from revert_risk_tools.train import HOLDOUT_EXAMPLES, auc, ensure_model, train


def test_small_training_run_saves_a_loadable_model(tmp_path: Path) -> None:
    metadata = train(tmp_path, examples=200, seed=3)
    assert (tmp_path / MODEL_FILE).is_file()
    saved = json.loads((tmp_path / METADATA_FILE).read_text())
    assert saved == metadata
    assert saved["feature_names"] == list(FEATURE_NAMES)
    assert saved["library"] == "lightgbm"
    assert saved["training_data"] == {
        "generator": "revert_risk_tools.synthetic.make_dataset",
        "examples": 200,
        "seed": 3,
        "reverted_share": pytest.approx(0.5, abs=0.05),  # labels are noisy on purpose
    }
    assert {"trained_at", "params", "model_version", "cache_key"} <= set(saved)

    classifier = load_classifier(tmp_path / MODEL_FILE)
    assert classifier.model_version == saved["model_version"]
    scores = classifier.predict_proba([[0.0] * len(FEATURE_NAMES)] * 3)
    assert len(scores) == 3 and all(0.0 <= score <= 1.0 for score in scores)
    assert classifier.predict_proba([]) == []


def test_training_is_deterministic(tmp_path: Path) -> None:
    train(tmp_path / "a", examples=200, seed=3)
    train(tmp_path / "b", examples=200, seed=3)
    assert (tmp_path / "a" / MODEL_FILE).read_bytes() == (tmp_path / "b" / MODEL_FILE).read_bytes()


def test_reverted_like_edits_score_higher(model_path: Path) -> None:
    classifier = load_classifier(model_path)
    examples = make_dataset(HOLDOUT_EXAMPLES, seed=777)  # not the training seed
    rows = [
        feature_row(extract_features(e.revision, e.parent, e.user, e.page_creation))
        for e in examples
    ]
    scores = np.asarray(classifier.predict_proba(rows))
    labels = np.asarray([e.reverted for e in examples])
    # The labels are noisy on purpose (synthetic.LABEL_NOISE), so no perfect separation.
    assert scores[labels].mean() > scores[~labels].mean() + 0.4
    assert auc(labels.astype(int), scores) > 0.85
    assert ((scores > 0.5) == labels).mean() > 0.75


def test_ensure_model_reuses_a_model_with_the_same_hash(tmp_path: Path) -> None:
    first = ensure_model(tmp_path, examples=200, seed=4)
    stamp = first.stat().st_mtime_ns
    metadata = (tmp_path / METADATA_FILE).read_text()
    assert ensure_model(tmp_path, examples=200, seed=4) == first
    assert first.stat().st_mtime_ns == stamp
    assert (tmp_path / METADATA_FILE).read_text() == metadata  # not retrained
    ensure_model(tmp_path, examples=200, seed=5)  # other data: other hash, retrained
    assert json.loads((tmp_path / METADATA_FILE).read_text())["training_data"]["seed"] == 5


@pytest.fixture
def model_copy(model_path: Path, tmp_path: Path) -> Path:
    for name in (MODEL_FILE, METADATA_FILE):
        shutil.copy(model_path.parent / name, tmp_path / name)
    return tmp_path / MODEL_FILE


def _edit_metadata(model: Path, **changes: object) -> None:
    path = model.with_name(METADATA_FILE)
    metadata = json.loads(path.read_text())
    metadata.update(changes)
    path.write_text(json.dumps(metadata))


def test_feature_names_that_differ_stop_loading(model_copy: Path) -> None:
    names = list(FEATURE_NAMES)
    _edit_metadata(model_copy, feature_names=names[:-1] + ["weekday_of_doom"])
    with pytest.raises(ModelLoadError) as raised:
        load_classifier(model_copy)
    message = str(raised.value)
    assert "\n" not in message
    assert "missing day_of_week" in message and "unknown weekday_of_doom" in message
    _edit_metadata(model_copy, feature_names=names[1:] + names[:1])
    with pytest.raises(ModelLoadError, match="same names in another order"):
        load_classifier(model_copy)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda model: model.unlink(), "does not exist"),
        (lambda model: model.with_name(METADATA_FILE).unlink(), "metadata .* does not exist"),
        (lambda model: model.with_name(METADATA_FILE).write_text("{"), "unreadable"),
        (lambda model: model.with_name(METADATA_FILE).write_text("[]"), "not a JSON object"),
        (lambda model: _edit_metadata(model, library="catboost"), "'catboost' model"),
        (lambda model: _edit_metadata(model, feature_names="x"), "no feature_names"),
        (lambda model: _edit_metadata(model, model_version=""), "no model_version"),
        (lambda model: model.write_text("not a model"), "not a LightGBM model"),
    ],
)
def test_broken_models_stop_loading_with_one_line(model_copy: Path, damage, message: str) -> None:
    damage(model_copy)
    with pytest.raises(ModelLoadError, match=message) as raised:
        load_classifier(model_copy)
    assert "\n" not in str(raised.value)
