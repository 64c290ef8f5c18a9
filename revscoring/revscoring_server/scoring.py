"""Pure scoring: revision documents in, ORES scores out (no I/O, no event loop).

A :class:`ServedModel` is a loaded model file (through :mod:`.legacy_models`, so ORES-era binaries
score as they did) with its name, wiki and type. :func:`score_revision` scores one
revision for one or more models. It runs in a thread, or in a process-pool worker that
loaded the same files once at start (:func:`init_worker`, :func:`score_in_worker`): only
plain data crosses the process boundary, never a model.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import revscoring.errors as rs_errors
from revscoring.scoring import ModelInfo as RevscoringModelInfo

from inference_common.errors import (
    ModelLoadError,
    ModelServerError,
    ModelUnavailable,
    RevisionNotFound,
    TextDeleted,
    UnsupportedContent,
    UserDeleted,
)
from inference_common.documents import main_slot

from . import legacy_models
from .fast_features import TextReuse
from .model_types import ContentModel, Family, ModelType, UnknownModelType, format_score
from .model_types import parse_inference_name
from inference_common.documents import EditContext

from .revision_docs import build_cache


@dataclass(frozen=True)
class ModelInfo:
    """What is said about a loaded model (ORES ``model_info``, cache keys, logs): plain
    data, so that a pool worker that loaded the model can hand it to the main process."""

    version: str | None
    model_class: str  # the revscoring model class ("GradientBoosting")
    labels: tuple[Any, ...]
    features: tuple[str, ...]  # str() of each feature, in the model's order
    revscoring_version: str | None
    dictionaries: Mapping[str, str]  # spell-check tag -> what it opened (for the log)
    load_seconds: float = 0.0
    trained: float | None = None  # the model's ``trained`` (seconds since the epoch)
    # revscoring's own ModelInfo of the file (type, version, params, environment,
    # statistics, score_schema): what ORES' model_info formatted (see .model_info)
    details: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, loaded: legacy_models.LoadedModel, load_seconds: float = 0.0) -> ModelInfo:
        details = getattr(loaded.model, "info", None)
        if details is None:  # a model from before revscoring kept a ModelInfo
            details = RevscoringModelInfo(
                [("type", type(loaded.model).__name__), ("version", loaded.version)]
            )
        return cls(
            version=loaded.version,
            model_class=type(loaded.model).__name__,
            labels=tuple(loaded.labels),
            features=tuple(str(feature) for feature in loaded.features),
            revscoring_version=loaded.revscoring_version,
            dictionaries=dict(loaded.dictionaries),
            load_seconds=load_seconds,
            trained=getattr(loaded.model, "trained", None),
            details=details,
        )


@dataclass(frozen=True)
class ServedModel:
    """A model as served: immutable once loaded, shared by all requests. ``loaded`` (the
    estimator and its feature graph) is None in a process that never scores: the main
    process of a server whose pool scores every revision (POOL_MIN_BYTES=0)."""

    name: str  # "enwiki-damaging"
    wiki: str  # "enwiki"
    model_type: ModelType
    path: Path
    digest: str  # of the file: a retrained model never serves another's cached scores
    info: ModelInfo
    loaded: legacy_models.LoadedModel | None = None

    @property
    def version(self) -> str:
        return str(self.info.version or "unknown")

    @property
    def labels(self) -> tuple[Any, ...]:
        return self.info.labels


@dataclass(frozen=True)
class FailedLoad:
    """A model this server was told to serve that could not be loaded: its name answers
    503 ModelUnavailable with ``reason`` while the other models are served."""

    name: str
    path: Path
    reason: str  # one line
    wiki: str | None = None  # None: the name itself is not {wiki}-{model}
    type_name: str | None = None

    @classmethod
    def of(cls, name: str, path: Path, error: BaseException) -> FailedLoad:
        reason = str(error) if isinstance(error, ModelLoadError) else one_line(error)
        try:
            wiki, model_type = parse_inference_name(name)
        except UnknownModelType:
            return cls(name, path, reason)
        return cls(name, path, reason, wiki, model_type.name)

    def error(self) -> ModelUnavailable:
        return ModelUnavailable(
            f"{self.name} is not available: it could not be loaded: {self.reason}"
        )


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def check_model_file(name: str, path: Path) -> tuple[str, ModelType]:
    """The wiki and type of the model ``name`` at ``path``, or one-line ModelLoadError."""
    try:
        wiki, model_type = parse_inference_name(name)
    except UnknownModelType as error:
        raise ModelLoadError(str(error)) from None
    if not path.is_file():
        raise ModelLoadError(f"model file {path} does not exist (MODEL_PATH)")
    return wiki, model_type


LANGUAGE_DETECTION_SEED = 0


def seed_language_detection() -> None:
    """Make langdetect's answers a function of the text. editquality's translatewiki
    features (``revision.parent.lang_vector``, ...) call ``langdetect.detect_langs``, which
    draws from an unseeded random generator by default: the same revision then got a
    different score on every request (0.16 to 0.31 for translatewiki-reverted on one
    edit). Each detection starts from this seed (langdetect >= 1.0.7 keeps a generator
    per detector, so the process's ``random`` is untouched)."""
    import langdetect

    langdetect.DetectorFactory.seed = LANGUAGE_DETECTION_SEED


def load_served_model(
    name: str, path: Path, word2vec_dir: Path | None = None, *, fast_features: bool = True
) -> ServedModel:
    """Load ``path`` as the model ``name`` (``{wiki}-{model}``), or one-line ModelLoadError;
    word vectors its feature lists need come from ``word2vec_dir`` (WORD2VEC_DIR);
    ``fast_features``: with the equal, faster implementations of :mod:`.fast_features`."""
    wiki, model_type = check_model_file(name, path)
    seed_language_detection()
    start = time.perf_counter()
    loaded = legacy_models.load_model(path, word2vec_dir, fast_features=fast_features)
    info = ModelInfo.of(loaded, time.perf_counter() - start)
    return ServedModel(name, wiki, model_type, path, file_digest(path), info, loaded)


def described_model(name: str, path: Path, info: ModelInfo) -> ServedModel:
    """The model ``name`` as a process that does not score it holds it: what a worker
    that loaded it said (``info``), no estimator."""
    wiki, model_type = check_model_file(name, path)
    return ServedModel(name, wiki, model_type, path, file_digest(path), info)


def content_model_of(revision: Mapping[str, Any]) -> str:
    main = main_slot(revision)
    return str(main.get("contentmodel") or revision.get("contentmodel") or "wikitext")


WIKIBASE_REPOSITORIES = frozenset({"wikidatawiki", "testwikidatawiki"})
"""Wikis whose editquality models score item edits: their feature lists
(``editquality.feature_lists.wikidatawiki``) read the revision as entity JSON."""


def scored_content(model_type: ModelType, wiki: str) -> ContentModel:
    """The content model ``model_type`` scores on ``wiki``."""
    if model_type.family is Family.EDITQUALITY and wiki in WIKIBASE_REPOSITORIES:
        return ContentModel.WIKIBASE_ITEM
    return model_type.content_model


def accepts(model_type: ModelType, content_model: str, wiki: str = "") -> bool:
    """Whether a model type can score text of ``content_model`` on ``wiki``. (Pages of
    content model ``json`` stand in for Wikibase items on wikis without Wikibase, such as
    the embedded wiki.)"""
    expected = scored_content(model_type, wiki)
    if expected is ContentModel.WIKIBASE_ITEM:
        return content_model in ("wikibase-item", "json")
    return content_model == expected.value


def text_size(docs: EditContext) -> int:
    """Characters of text extraction will read (the revision's and its parent's)."""
    size = 0
    for doc in (docs.revision, docs.parent):
        if doc:
            main = main_slot(doc)
            size += len(main.get("content") or "")
    return size


# Feature extraction reads process-wide objects that are not thread-safe: revscoring's
# language modules share one pyenchant Dict per language, and concurrent Dict.check()
# calls from several threads answer wrongly (dictionary-word features, hence scores,
# changed with the load). Extraction is mostly pure Python under the GIL anyway, so
# running it one thread at a time costs little throughput (PROCESS_POOL_WORKERS is the
# way to use more cores); process-pool workers run one task at a time.
_EXTRACTION_LOCK = threading.Lock()


def score_revision(
    models: Sequence[ServedModel],
    docs: EditContext,
    features: bool,
    reuse: TextReuse | None = None,
) -> dict[str, dict[str, Any] | ModelServerError]:
    """Score one revision for each model: ``{"score": {...}}`` (plus ``"features"``), or
    the error that says why this model cannot score it. Safe to call from several
    threads at once (extraction is serialised). ``reuse`` keeps text-derived values of
    the revisions scored, for the edits whose parent they are (fast-feature models)."""
    values = {dependent.name: value for dependent, value in build_cache(docs).items()}
    results: dict[str, dict[str, Any] | ModelServerError] = {}
    # Models that resolve datasources alike share one extraction (damaging and goodfaith
    # read the same features: the second model costs only its model.score).
    shared: dict[Any, dict] = {}
    for model in models:
        loaded = model.loaded
        if loaded is None:
            raise RuntimeError(
                f"{model.name} is not loaded in this process (it scores in the pool)"
            )
        try:
            cache = shared.setdefault(legacy_models.context_key(loaded), {})
            with _EXTRACTION_LOCK:
                feature_values = legacy_models.extract_features(
                    loaded, values, shared_cache=cache, reuse=reuse, scope=model.wiki
                )
            result: dict[str, Any] = {
                "score": format_score(model.model_type, legacy_models.score(loaded, feature_values))
            }
            if features:
                result["features"] = {
                    name: _json_value(value)
                    for name, value in zip(loaded.feature_names, feature_values)
                }
            results[model.name] = result
        except ModelServerError as error:
            results[model.name] = error
        except Exception as error:  # noqa: BLE001 - translated per model, never a 500
            results[model.name] = translate_error(error, docs.rev_id)
    return results


def translate_error(error: Exception, rev_id: int) -> ModelServerError:
    """revscoring's and legacy_models' extraction errors in the shared hierarchy."""
    if isinstance(error, rs_errors.TextDeleted):
        return TextDeleted(f"the text of revision {rev_id} (or its parent) is deleted")
    if isinstance(error, rs_errors.UserDeleted):
        return UserDeleted(f"the user of revision {rev_id} is deleted or suppressed")
    if isinstance(error, (rs_errors.RevisionNotFound, rs_errors.PageNotFound)):
        return RevisionNotFound(f"revision {rev_id} or a revision it depends on is missing")
    if isinstance(error, legacy_models.FeatureExtractionError):
        return UnsupportedContent(f"revision {rev_id} cannot be scored by this model: {error}")
    raise error


def _json_value(value: Any) -> Any:
    """Feature values as JSON: numpy scalars to Python numbers."""
    if hasattr(value, "item"):
        return value.item()
    return value


# -- process-pool workers ---------------------------------------------------------------

_WORKER_MODELS: dict[str, ServedModel] = {}
_WORKER_REUSE: list[TextReuse] = []  # this worker's store of text-derived values, if any
_WORKER_LOAD_ERRORS: dict[str, ModelLoadError] = {}  # the models this worker could not load


def init_worker(
    paths: Mapping[str, str],
    word2vec_dir: str | None = None,
    fast_features: bool = True,
    reuse_bytes: int = 0,
) -> None:
    """Load every served model once in this worker process (word vectors from
    ``word2vec_dir``; with the fast features, and a store of ``reuse_bytes`` for
    text-derived values, unless turned off). A model that cannot load is reported by
    :func:`describe_worker_models` (an initializer that raises only breaks the pool); the
    others are loaded all the same."""
    vectors = Path(word2vec_dir) if word2vec_dir else None
    for name, path in paths.items():
        try:
            _WORKER_MODELS[name] = load_served_model(
                name, Path(path), vectors, fast_features=fast_features
            )
        except ModelLoadError as error:
            _WORKER_LOAD_ERRORS[name] = error
        except Exception as error:  # noqa: BLE001 - reported for this model only
            _WORKER_LOAD_ERRORS[name] = ModelLoadError(f"{path}: {one_line(error)}")
    _WORKER_REUSE[:] = [TextReuse(reuse_bytes)] if fast_features and reuse_bytes > 0 else []


def describe_worker_models() -> dict[str, ModelInfo | ModelLoadError]:
    """What this worker loaded (or why it could not load a model), for a main process
    that loads no estimator."""
    return {**_WORKER_LOAD_ERRORS, **{name: m.info for name, m in _WORKER_MODELS.items()}}


def score_in_worker(
    names: Sequence[str], docs: EditContext, features: bool
) -> dict[str, dict[str, Any] | ModelServerError]:
    missing = [name for name in names if name not in _WORKER_MODELS]
    if missing:
        raise _WORKER_LOAD_ERRORS.get(missing[0]) or ModelLoadError(f"{missing[0]} not loaded")
    reuse = _WORKER_REUSE[0] if _WORKER_REUSE else None
    return score_revision([_WORKER_MODELS[name] for name in names], docs, features, reuse)


def one_line(error: BaseException) -> str:
    """An exception as one short line: its type and first line of message."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]
