"""Training, writing and caching of the demo models.

``ensure_demo_models(out_dir)`` makes sure ``out_dir/{wiki}-{model}/model.bin`` exists
for every demo model and was trained by the current training code: next to each model it
writes ``training.json`` with a fingerprint (a SHA-256 of the ``demo`` package's sources,
``revision_docs.py``, ``model_types.py`` and the versions of the libraries that shape the
pickle) and retrains only the models whose fingerprint differs or whose file is missing.
"""

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from revscoring import Model
from revscoring.extractors import api
from revscoring.features import vectorize_values
from revscoring.scoring.models import GradientBoosting

from revscoring_server import model_types, revision_docs
from . import catalog, datasets, vectors
from .catalog import DemoModel
from .datasets import Observation

MODEL_FILE = "model.bin"
MANIFEST_FILE = "training.json"
VECTORS_DIR = "word2vec"
"""``out_dir/word2vec/``: the word vectors the models need (serve with WORD2VEC_DIR=it)."""
_PACKAGE_DIR = Path(__file__).resolve().parent
_FINGERPRINT_FILES = (
    Path(revision_docs.__file__).resolve(),
    Path(model_types.__file__).resolve(),
)
_LIBRARIES = (
    "revscoring", "scikit-learn", "numpy", "scipy", "editquality", "articlequality",
    "draftquality", "drafttopic", "gensim", "mwparserfromhell", "nltk", "pyenchant",
)  # fmt: skip

ValuesLabels = list[tuple[list[Any], Any]]


@dataclass(frozen=True)
class TrainingReport:
    """What training one demo model did."""

    name: str
    path: Path
    trained: bool  # False when the cached model was up to date
    observations: int
    train_observations: int
    test_observations: int
    features: int
    seconds: float
    size_bytes: int
    test_score: float | None  # held-out accuracy, or micro-F1 for topic models


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def fingerprint() -> str:
    """A hash of everything that determines the demo models: the sources of the
    ``demo`` package, ``revision_docs.py``, ``model_types.py`` and library versions."""
    digest = hashlib.sha256()
    files = sorted(_PACKAGE_DIR.rglob("*.py")) + list(_FINGERPRINT_FILES)
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(_library_versions(), sort_keys=True).encode())
    return digest.hexdigest()


def feature_values(
    extractor: api.Extractor, observations: Sequence[Observation], features: Sequence[Any]
) -> list[list[Any]]:
    """The values of ``features`` for each observation, solved from its API documents
    exactly as the server does (:func:`..revision_docs.extract_features`)."""
    return [
        revision_docs.extract_features(extractor, o.responses.docs(), features)
        for o in observations
    ]


def build_model(demo: DemoModel) -> GradientBoosting:
    """An untrained revscoring model for ``demo``."""
    return GradientBoosting(
        list(demo.features),
        list(demo.labels),
        multilabel=demo.model_type.multilabel,
        version=catalog.DEMO_VERSION,
        **demo.estimator_params,
    )


def _label_set(label: Any) -> set[Any]:
    return set(label) if isinstance(label, list) else {label}


def split(values_labels: ValuesLabels, test_share: float) -> tuple[ValuesLabels, ValuesLabels]:
    """Training and test parts. The test part takes, from the end of the observations
    (which are generated in random order), first one observation for each label that
    occurs at least twice (revscoring's test statistics need every label represented),
    then the latest others, up to ``test_share`` of all."""
    size = int(round(len(values_labels) * test_share))
    counts: dict[Any, int] = {}
    for _, label in values_labels:
        for item in _label_set(label):
            counts[item] = counts.get(item, 0) + 1
    chosen: list[int] = []
    covered: set[Any] = set()
    for index in reversed(range(len(values_labels))):
        labels = _label_set(values_labels[index][1])
        if len(chosen) < size and labels - covered and all(counts[x] > 1 for x in labels):
            chosen.append(index)
            covered |= labels
    for index in reversed(range(len(values_labels))):
        if len(chosen) >= size:
            break
        if index not in chosen:
            chosen.append(index)
    test_indexes = set(chosen)
    training = [vl for i, vl in enumerate(values_labels) if i not in test_indexes]
    test = [vl for i, vl in enumerate(values_labels) if i in test_indexes]
    return training, test


def held_out_score(model: Model, test: ValuesLabels) -> float | None:
    """Accuracy on ``test`` for single-label models; micro-averaged F1 over the labels
    for multilabel (topic) models."""
    if not test:
        return None
    predictions = [model.score(values)["prediction"] for values, _ in test]
    labels = [label for _, label in test]
    if not isinstance(labels[0], list):
        return sum(p == label for p, label in zip(predictions, labels)) / len(test)
    true_positives = sum(len(set(p) & set(label)) for p, label in zip(predictions, labels))
    predicted = sum(len(p) for p in predictions)
    actual = sum(len(label) for label in labels)
    return 2 * true_positives / (predicted + actual) if predicted + actual else 0.0


def train(demo: DemoModel, values_labels: ValuesLabels) -> tuple[GradientBoosting, float | None]:
    """Train ``demo`` on its training part; fill the model's test statistics from the
    held-out part. Returns the model and its :func:`held_out_score`."""
    training, test = split(values_labels, demo.test_share)
    model = build_model(demo)
    model.train(training)
    if test:
        model.test(test)
    return model, held_out_score(model, test)


def _write_atomically(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, 0o644)  # mkstemp makes it owner-only; servers run as another user
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_model(model: Model, path: Path) -> int:
    """Dump ``model`` to ``path`` in revscoring's format (atomically); its size."""
    _write_atomically(path, model.dump)
    return path.stat().st_size


def _manifest(report: TrainingReport, demo: DemoModel, stamp: str, columns: int) -> dict[str, Any]:
    return {
        "fingerprint": stamp,
        "name": demo.name,
        "version": catalog.DEMO_VERSION,
        "model_type": demo.model_type.name,
        "labels": [str(label) for label in demo.labels],
        "feature_source": demo.feature_source,
        "dropped": demo.dropped,
        "features": report.features,
        "feature_columns": columns,  # feature vectors expanded
        "dataset": demo.dataset,
        "seed": demo.seed,
        "observations": report.observations,
        "train_observations": report.train_observations,
        "test_observations": report.test_observations,
        "test_metric": "micro-F1" if demo.model_type.multilabel else "accuracy",
        "test_score": report.test_score,
        "seconds": round(report.seconds, 3),
        "size_bytes": report.size_bytes,
        "libraries": _library_versions(),
    }


def read_manifest(model_dir: Path) -> dict[str, Any] | None:
    """The ``training.json`` of a model directory, if readable."""
    try:
        return json.loads((model_dir / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None


def is_current(model_dir: Path, stamp: str) -> bool:
    """True if the model in ``model_dir`` was trained by the current code."""
    manifest = read_manifest(model_dir)
    return (
        manifest is not None
        and manifest.get("fingerprint") == stamp
        and (model_dir / MODEL_FILE).is_file()
    )


def _report_from_manifest(name: str, path: Path, manifest: dict[str, Any]) -> TrainingReport:
    return TrainingReport(
        name, path, False, manifest["observations"], manifest["train_observations"],
        manifest["test_observations"], manifest["features"], manifest["seconds"],
        manifest["size_bytes"], manifest["test_score"],
    )  # fmt: skip


class Corpus:
    """Observations and feature values of one training run, each generated or extracted
    once however many models share them (damaging, goodfaith and reverted do)."""

    def __init__(self) -> None:
        self.extractor = revision_docs.offline_extractor()
        self.observations: dict[tuple[str, int, int], list[Observation]] = {}
        self.values: dict[tuple[tuple[str, int, int], tuple[str, ...]], list[list[Any]]] = {}

    def values_labels(self, demo: DemoModel) -> ValuesLabels:
        """The feature values and labels of ``demo``'s observations."""
        key = (demo.dataset, demo.seed, demo.observations)
        if key not in self.observations:
            self.observations[key] = datasets.DATASETS[demo.dataset](demo.seed, demo.observations)
        observations = self.observations[key]
        feature_key = (key, tuple(str(f) for f in demo.features))
        if feature_key not in self.values:
            self.values[feature_key] = feature_values(self.extractor, observations, demo.features)
        labels = datasets.labels_of(observations, demo.model_type.name)
        return list(zip(self.values[feature_key], labels))


def train_and_write(demo: DemoModel, corpus: Corpus, out_dir: Path, stamp: str) -> TrainingReport:
    start = time.perf_counter()
    values_labels = corpus.values_labels(demo)
    model, test_score = train(demo, values_labels)
    path = out_dir / demo.name / MODEL_FILE
    size = write_model(model, path)
    training, test = split(values_labels, demo.test_share)
    report = TrainingReport(
        demo.name, path, True, len(values_labels), len(training), len(test),
        len(demo.features), time.perf_counter() - start, size, test_score,
    )  # fmt: skip
    columns = len(vectorize_values(values_labels[0][0]))
    manifest = json.dumps(_manifest(report, demo, stamp, columns), indent=2).encode()
    _write_atomically(path.parent / MANIFEST_FILE, lambda stream: stream.write(manifest))
    return report


def train_demo_models(
    out_dir: Path, demos: Iterable[DemoModel], stamp: str | None = None
) -> list[TrainingReport]:
    """Train ``demos`` and write them (with their ``training.json``, marked with the
    fingerprint ``stamp``) under ``out_dir``."""
    stamp = stamp or fingerprint()
    corpus = Corpus()
    return [train_and_write(demo, corpus, out_dir, stamp) for demo in demos]


def write_vectors(directory: Path, demos: Iterable[DemoModel]) -> list[Path]:
    """Copy the word vectors that ``demos``' feature lists load (trained once into
    :data:`.vectors.DEFAULT_DIR`) into ``directory``, under their production names."""
    modules = {demo.feature_source.rpartition(".")[0] for demo in demos}
    written = []
    for source in vectors.ensure_vectors(vectors.DEFAULT_DIR, modules):
        target = directory / source.name
        data = source.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            _write_atomically(target, lambda stream, data=data: stream.write(data))
        written.append(target)
    return written


def select(only: Iterable[str] | None = None) -> list[DemoModel]:
    """The demo models called ``only`` (all of them by default)."""
    if only is None:
        return list(catalog.DEMO_MODELS)
    return [catalog.demo_model(name) for name in only]


def ensure_demo_models_report(
    out_dir: Path | str, only: Iterable[str] | None = None, force: bool = False
) -> list[TrainingReport]:
    """Like :func:`ensure_demo_models`, with a report per model."""
    return ensure_models_report(out_dir, select(only), force)


def ensure_models_report(
    out_dir: Path | str, wanted: Sequence[DemoModel], force: bool = False, stamp: str = ""
) -> list[TrainingReport]:
    """Train those of ``wanted`` that are missing under ``out_dir`` or were trained by
    other code (``stamp``: the fingerprint, :func:`fingerprint` by default), write the
    word vectors they need to ``out_dir/word2vec``; a report per model."""
    out_dir = Path(out_dir)
    stamp = stamp or fingerprint()
    write_vectors(out_dir / VECTORS_DIR, wanted)
    stale = [d for d in wanted if force or not is_current(out_dir / d.name, stamp)]
    trained = {r.name: r for r in train_demo_models(out_dir, stale, stamp)}
    reports = []
    for demo in wanted:
        if demo.name in trained:
            reports.append(trained[demo.name])
        else:
            model_dir = out_dir / demo.name
            manifest = read_manifest(model_dir) or {}
            reports.append(_report_from_manifest(demo.name, model_dir / MODEL_FILE, manifest))
    return reports


def ensure_demo_models(
    out_dir: Path | str, only: Iterable[str] | None = None, force: bool = False
) -> dict[str, Path]:
    """Make sure the demo models exist under ``out_dir`` and were trained by the current
    code (retraining only those that were not, or all with ``force``); their paths by
    name: ``{"enwiki-damaging": out_dir/"enwiki-damaging"/"model.bin", ...}``."""
    return {r.name: r.path for r in ensure_demo_models_report(out_dir, only, force)}
