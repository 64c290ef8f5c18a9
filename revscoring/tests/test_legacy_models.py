"""Tests of revscoring_server.legacy_models: real ORES-era model binaries load and score as the
stacks that trained them did (reference scores in ``<repo>/../shared/models/ores``)."""

from __future__ import annotations

import bz2
import copyreg
import functools
import json
import pickle
import sys
import warnings
from pathlib import Path
from typing import Any

import enchant
import enchant.utils
import numpy as np
import pytest
import sklearn.ensemble._gb
from deltas.segmenters import ParagraphsSentencesAndWhitespace
from deltas.tokenizers import RegexTokenizer
from revscoring.dependencies import solve
from sklearn._loss.loss import ExponentialLoss, HalfBinomialLoss, HalfMultinomialLoss
from sklearn.tree._tree import Tree

from inference_common.errors import ModelLoadError
from revscoring_server import legacy_models
from revscoring_server.legacy_models import drift, estimators, inputs, unpickle

from .support import ORES_MODELS_DIR as ORES_MODELS

NLWIKI = "nlwiki.articlequality"
DEWIKI = "dewiki.damaging.rs2.2.4"
LINEAR_SVC_2015 = "enwiki.damaging.linear_svc.2015.model"
TOLERANCE = 1e-9


def shared_file(name: str) -> Path:
    path = ORES_MODELS / name
    if not path.exists():
        pytest.skip(f"{path} is absent (CI has it at <repo>/../shared/models/ores)")
    return path


@functools.cache
def loaded_model(name: str) -> legacy_models.LoadedModel:
    """Each model is loaded once per test session (most tests only read it)."""
    return legacy_models.load_model(shared_file(f"{name}.model"))


def reference(name: str) -> dict[str, Any]:
    return json.loads(shared_file(f"{name}.reference.json").read_text())


def as_json(score: dict[str, Any]) -> dict[str, Any]:
    """A score as the server sends it (boolean labels become "true"/"false" keys)."""
    return json.loads(json.dumps(score))


def max_difference(score: dict[str, Any], expected: dict[str, Any]) -> float:
    got = as_json(score)["probability"]
    assert set(got) == set(expected["probability"])
    return max(abs(got[label] - p) for label, p in expected["probability"].items())


def assert_one_line(error: Exception) -> str:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message
    return message


# --- loading and metadata ------------------------------------------------------------------


def test_nlwiki_model_metadata() -> None:
    model = loaded_model(NLWIKI)
    assert model.revscoring_version == "2.9.3"
    assert model.sklearn_version == "0.22.1"
    assert model.version == "0.8.0"
    assert model.model_class == "GradientBoosting"
    assert sorted(model.labels) == ["A", "B", "C", "D", "E"]
    assert len(model.features) == len(model.feature_names) == 24
    assert "wikitext.revision.ref_tags" in model.feature_names
    assert model.deltas_era == "0.6"
    assert dict(model.dictionaries) == {"nl": "nl (hunspell)"}


def test_dewiki_model_metadata_and_compat_steps() -> None:
    model = loaded_model(DEWIKI)
    assert model.revscoring_version == "2.2.4"
    assert model.sklearn_version == "0.19.1"
    assert model.version == "0.4.0"
    assert model.labels == (True, False)
    assert len(model.features) == 91
    assert model.deltas_era == "0.4"
    assert dict(model.dictionaries) == {"de": "de_DE (hunspell)"}
    steps = "\n".join(model.compat_steps)
    for expected in (
        "module sklearn.ensemble.gradient_boosting read as sklearn.ensemble._gb",
        "loss BinomialDeviance -> HalfBinomialLoss",
        "init estimator LogOddsEstimator -> DummyClassifier",
        "tree node arrays widened with missing_go_to_left",
        "monotonic_cst=None",
        "_process_new_longest computed by compat",
        "revision.timestamp, revision.user.info.registration",
    ):
        assert expected in steps


# --- faithful scores -----------------------------------------------------------------------


@pytest.mark.parametrize("name", [NLWIKI, DEWIKI])
def test_reference_scores_are_reproduced(name: str) -> None:
    model, expected = loaded_model(name), reference(name)
    assert len(expected["inputs"]) == len(expected["outputs"]) > 0
    for values, output in zip(expected["inputs"], expected["outputs"]):
        score = legacy_models.score(model, legacy_models.extract_features(model, values))
        assert as_json(score)["prediction"] == output["prediction"]
        assert max_difference(score, output) <= TOLERANCE


def test_drift_emulation_is_needed_for_nlwiki() -> None:
    """Today's revscoring (deltas 0.7) alone moves an nlwiki reference score: the emulation
    of deltas 0.6 must stay in effect."""
    model, expected = loaded_model(NLWIKI), reference(NLWIKI)
    assert {d.name for d in model.drift_context} == {
        "tokenized(<datasource.revision.text>, 'Latin')",
        "wikitext.revision.paragraphs_sentences_and_whitespace",
    }
    differences = [
        max_difference(
            legacy_models.score(
                model, legacy_models.extract_features(model, values, emulate_drift=False)
            ),
            output,
        )
        for values, output in zip(expected["inputs"], expected["outputs"])
    ]
    assert max(differences) > 0.01


def test_deltas_04_tokenizer_is_emulated_for_revscoring_2_2() -> None:
    """deltas 0.4 read ``|}`` as one token; deltas 0.7 reads ``|`` and ``}``."""
    model = loaded_model(DEWIKI)
    tokens = next(d for d in model.drift_context if d.name == "tokenized(datasource.revision.text)")
    text = {"revision.text": "{|\n| a\n|}"}
    old = solve(tokens, cache=inputs.root_cache(text), context=dict(model.context))
    today = solve(tokens, cache=inputs.root_cache(text))
    assert ("|}", "tab_close") in [(str(t), t.type) for t in old]
    assert ("|}", "tab_close") not in [(str(t), t.type) for t in today]


def test_deltas_06_number_tokens() -> None:
    tokenizer = RegexTokenizer(list(drift._lexicon_06()))
    assert [(str(t), t.type) for t in tokenizer.tokenize("2.500")] == [("2.500", "number")]


def test_old_paragraph_segmentation_runs_sentences_across_breaks() -> None:
    tokenizer = RegexTokenizer(list(drift._LEXICON_07))
    segmenter = ParagraphsSentencesAndWhitespace()
    tokens = tokenizer.tokenize("A heading without a period\n\nNext paragraph here. End.")
    old = drift._segment_before_deltas_07(segmenter, tokens)
    assert len(old) == 1  # one paragraph: the first sentence ran on
    assert len(segmenter.segment(tokens)) == 3  # deltas 0.7: paragraph, break, paragraph


@pytest.mark.parametrize(
    ("legacy_name", "state", "loss"),
    [
        ("LogOddsEstimator", {"prior": -1.1730724609090668}, HalfBinomialLoss()),
        ("ScaledLogOddsEstimator", {"prior": 0.4}, ExponentialLoss()),
        ("PriorProbabilityEstimator", {"priors": [0.2, 0.3, 0.5]}, HalfMultinomialLoss(3)),
    ],
)
def test_old_initial_estimators_start_from_the_same_raw_values(
    legacy_name: str, state: dict[str, Any], loss: Any
) -> None:
    """scikit-learn <= 0.20 started boosting from ``init_.predict``: the (half) log-odds, or
    for several classes the raw priors (not their logs). Softmax ignores a constant shift."""
    legacy = unpickle._LEGACY_GB_CLASSES[legacy_name]()
    vars(legacy).update(state)
    init = estimators._modern_init(legacy, loss)
    start = loss.link.link(init.predict_proba(np.zeros((1, 3))))
    old_start = np.atleast_1d(np.asarray(state.get("prior", state.get("priors")), dtype=float))
    if loss.is_multiclass:
        start, old_start = start[0] - start[0].mean(), old_start - old_start.mean()
    else:
        start = start[:, 1]
    assert np.allclose(start, old_start, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("revscoring_version", "deltas"),
    [("2.2.4", "0.4"), ("2.7.2", "0.4"), ("2.8.2", "0.5"), ("2.9.3", "0.6"), ("2.10.0", "0.6")]
    + [("2.11.13", "0.7"), (None, "0.7")],
)
def test_deltas_era_follows_revscoring_requirements(
    revscoring_version: str | None, deltas: str
) -> None:
    assert drift.deltas_era(revscoring_version).deltas == deltas


def test_api_documents_give_the_same_scores_as_root_values() -> None:
    model, expected = loaded_model(DEWIKI), reference(DEWIKI)
    for values in expected["inputs"]:
        registered = values["revision.user.id"] != 0
        documents = {
            "revision.doc": {
                "revid": 2,
                "parentid": 1,
                "timestamp": values["revision.timestamp"],
                "comment": values["revision.comment"],
                "userid": values["revision.user.id"],
                "user": "Someone",
                "page": {"pageid": 7, "ns": values["revision.page.namespace.id"], "title": "M"},
                "slots": {"main": {"*": values["revision.text"], "contentmodel": "wikitext"}},
            },
            "revision.parent.doc": {
                "revid": 1,
                "slots": {"main": {"*": values["revision.parent.text"]}},
            },
            "revision.user.info.doc": (
                {
                    "registration": values["revision.user.info.registration"],
                    "groups": values["revision.user.info.groups"],
                }
                if registered
                else None
            ),
        }
        from_documents = legacy_models.score(
            model, legacy_models.extract_features(model, documents)
        )
        assert from_documents == legacy_models.score(
            model, legacy_models.extract_features(model, values)
        )


def test_missing_input_is_named() -> None:
    model = loaded_model(DEWIKI)
    with pytest.raises(legacy_models.MissingInputError) as raised:
        legacy_models.extract_features(model, {"revision.text": "Text"})
    assert "'revision.doc'" in assert_one_line(raised.value)


def test_bz2_model_loads(tmp_path: Path) -> None:
    compressed = tmp_path / "model.bin"
    compressed.write_bytes(bz2.compress(shared_file(f"{DEWIKI}.model").read_bytes()))
    model, expected = legacy_models.load_model(compressed), reference(DEWIKI)
    values, output = expected["inputs"][1], expected["outputs"][1]
    assert max_difference(
        legacy_models.score(model, legacy_models.extract_features(model, values)), output
    ) <= (TOLERANCE)


# --- clear errors ----------------------------------------------------------------------------


def test_revscoring_0x_model_gives_one_clear_error() -> None:
    with pytest.raises(ModelLoadError) as raised:
        legacy_models.load_model(shared_file(LINEAR_SVC_2015))
    message = assert_one_line(raised.value)
    assert "revscoring 0.x" in message
    assert "revscoring.scorer_models.svc.LinearSVC" in message
    assert "retrain" in message


def unreadable_files(tmp_path: Path) -> dict[str, Path]:
    good_pickle = pickle.dumps({"not": "a model"}, protocol=4)
    files = {
        "empty": b"",
        "garbage": bytes(range(256)) * 4,
        "text": b"this is not a model\n",
        "truncated pickle": pickle.dumps(list(range(1000)), protocol=4)[:-200],
        "truncated bz2": bz2.compress(good_pickle)[:20],
        "not a model": good_pickle,
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / name.replace(" ", "_")
        paths[name].write_bytes(data)
    paths["directory"] = tmp_path
    paths["missing"] = tmp_path / "nothing-here.model"
    return paths


@pytest.mark.parametrize(
    "kind",
    ["empty", "garbage", "text", "truncated pickle", "truncated bz2", "not a model"]
    + ["directory", "missing"],
)
def test_unreadable_files_give_one_clear_error(tmp_path: Path, kind: str) -> None:
    path = unreadable_files(tmp_path)[kind]
    with pytest.raises(ModelLoadError) as raised:
        legacy_models.load_model(path)
    assert str(path) in assert_one_line(raised.value)


def test_truncated_real_model_gives_one_clear_error(tmp_path: Path) -> None:
    data = shared_file(f"{DEWIKI}.model").read_bytes()
    truncated = tmp_path / "model.bin"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError) as raised:
        legacy_models.load_model(truncated)
    assert "truncated" in assert_one_line(raised.value)


@pytest.mark.parametrize(
    ("tag", "opened"),
    [("pt", "pt_BR (hunspell)"), ("sr", "sr_RS (hunspell)"), ("uk", "uk (aspell)")],
)
def test_pickled_dictionaries_open_what_production_opens(
    tmp_path: Path, tag: str, opened: str
) -> None:
    """An old model's pickled Dict reopens by its tag as production's image resolves it
    (revscoring_server.spelling): the dewiki model with its ``de`` Dict retagged, as a
    ptwiki model's ``pt`` (which stopped the server before ``pt`` was pinned)."""
    data = shared_file(f"{DEWIKI}.model").read_bytes()
    pickled_tag = b"X\x02\x00\x00\x00de"  # BINUNICODE "de", the Dict's tag
    assert data.count(pickled_tag) == 1
    retagged = tmp_path / "model.bin"
    retagged.write_bytes(data.replace(pickled_tag, b"X\x02\x00\x00\x00" + tag.encode()))
    assert dict(legacy_models.load_model(retagged).dictionaries) == {tag: opened}


def test_a_dictionary_production_lacks_gives_one_clear_error(tmp_path: Path) -> None:
    data = shared_file(f"{DEWIKI}.model").read_bytes()
    retagged = tmp_path / "model.bin"
    retagged.write_bytes(data.replace(b"X\x02\x00\x00\x00de", b"X\x02\x00\x00\x00tr"))
    with pytest.raises(ModelLoadError) as raised:
        legacy_models.load_model(retagged)
    assert "'tr' dictionary, which Lift Wing's production image does not have" in (
        assert_one_line(raised.value)
    )


# --- no global state -----------------------------------------------------------------------


def test_loading_leaves_global_state_alone() -> None:
    names = [NLWIKI, DEWIKI]
    for name in names:  # first loads import the real modules the models need
        loaded_model(name)
    modules = set(sys.modules)
    filters = list(warnings.filters)
    find_class = pickle.Unpickler.find_class
    tree_setstate = Tree.__setstate__
    dict_setstate = enchant.Dict.__setstate__
    dispatch_table = dict(copyreg.dispatch_table)

    for name in names:
        legacy_models.load_model(shared_file(f"{name}.model"))

    assert set(sys.modules) == modules
    for legacy in (
        "sklearn.ensemble.gradient_boosting",
        "sklearn.ensemble._gb_losses",
        "sklearn.tree.tree",
        "sklearn.preprocessing.data",
        "revscoring.scorer_models",
    ):
        assert legacy not in sys.modules
    assert warnings.filters == filters
    assert pickle.Unpickler.find_class is find_class
    assert Tree.__setstate__ is tree_setstate
    assert enchant.Dict.__setstate__ is dict_setstate
    assert copyreg.dispatch_table == dispatch_table
    assert not hasattr(enchant.utils, "UTF16EnchantStr")
    assert not hasattr(sklearn.ensemble._gb, "LogOddsEstimator")
    assert not hasattr(sklearn.ensemble._gb, "BinomialDeviance")
