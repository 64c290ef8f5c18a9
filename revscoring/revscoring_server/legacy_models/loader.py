"""Load ORES-era revscoring model binaries on today's stack and score them as they scored.

The ORES models were pickled by revscoring 2.2 - 2.10 with scikit-learn 0.19 - 0.22, deltas
0.4 - 0.6 and pyenchant 1.6 / 2.0. This module makes such a file load and score the way the
stack that trained it did, on revscoring 2.11.13 + scikit-learn 1.9.1, without touching any
library's global state (no module aliases in ``sys.modules``, no patched classes).

API
---
``load_model(path, *, fast_features=True) -> LoadedModel``
    Read a model file (plain pickle as ``revscoring.Model.dump`` writes it, or bz2-compressed,
    detected by its magic bytes). Raises :class:`ModelLoadError` with a one-line message for
    anything that cannot load. Pickles run code: only load trusted model files.
    ``fast_features`` adds the equivalent fast implementations of :mod:`.fast_features` to
    the model's solve context (after the compatibility steps, on what they resolved to).
``extract_features(loaded, values, *, emulate_drift=True) -> list``
    Pure feature extraction. ``values`` maps datasource names to values: either root values
    (``{"revision.text": ..., "revision.parent.text": ..., "revision.timestamp": "2018-..."}``)
    or the documents revscoring's ``api.Extractor`` works from (``revision.doc``,
    ``revision.parent.doc``, ``revision.user.info.doc``, ... as the MediaWiki API returns
    them; ``None`` for an anonymous user's info doc), or a mix. No I/O happens here. Raises
    :class:`MissingInputError` when the model needs a value that was not given.
    ``emulate_drift=False`` computes what today's revscoring alone computes (diagnostics).
    Do not share one solve cache between models: their emulated datasources share names.
    ``reuse`` (a :class:`.fast_features.TextReuse`) with ``scope`` (the wiki) lets an
    extraction start from the parent's text-derived values kept from an earlier one.
``score(loaded, feature_values) -> dict``
    ``{"prediction": ..., "probability": {label: p}}`` exactly as revscoring returns it.

Compatibility steps (each is recorded in ``LoadedModel.compat_steps`` when it applies):

* unpickling (:class:`_CompatUnpickler`): renamed scikit-learn modules, classes and functions
  that no longer exist, old tree node arrays, and pinned spell-check dictionaries;
* after loading (:func:`_fix_estimators`): the attributes scikit-learn 1.9 expects of
  estimators pickled by 0.19 - 0.22;
* at extraction: the datasources whose implementation moved since the model was trained
  (:func:`_input_context`) and the deltas tokenizer/segmenter of the training stack, chosen by
  the model's recorded ``revscoring_version`` (:func:`_drift_context`).

Spell checking needs no emulation beyond pinning: a model's pickled feature graph carries its
own enchant dictionaries (revscoring < 2.6.2 English: one ``en`` Dict; later: en_US, en_GB and
en_AU), so today's language modules are never consulted. Each pickled Dict is reopened by its
tag with the service's Enchant configuration, and must open the provider and file production
opens (:data:`revscoring_server.spelling.DICTIONARIES`, which pins the short tags old models
carry: ``en``, ``de``, ``pt``).

``load_model`` collects scikit-learn's version warnings with ``warnings.catch_warnings``,
which is process-wide while it runs: load models at start, not from concurrent threads.
"""

from __future__ import annotations

import bz2
import hashlib
import inspect
import io
import os
import pickle
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import enchant
import numpy as np
import sklearn
from deltas import wikitext_split
from deltas.segmenters import MatchableSegment, ParagraphsSentencesAndWhitespace, Segment
from deltas.segmenters import paragraphs_sentences_and_whitespace as deltas_psw
from deltas.tokenizers import RegexTokenizer, Token
from revscoring import Model
from revscoring.datasources import Datasource, revision_oriented
from revscoring.dependencies import Dependent, expand, solve
from revscoring.dependencies.dependent import not_implemented
from revscoring.errors import CaughtDependencyError
from revscoring.extractors.api import revision_oriented as api_revision_oriented
from revscoring.features.wikitext.datasources import tokenized
from sklearn._loss.loss import (
    BaseLoss,
    ExponentialLoss,
    HalfBinomialLoss,
    HalfMultinomialLoss,
)
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.tree._tree import NODE_DTYPE, Tree

from . import fast_features, word_vectors
from .spelling import DICTIONARIES

__all__ = [
    "CompatError",
    "FeatureExtractionError",
    "LoadedModel",
    "MissingInputError",
    "ModelLoadError",
    "extract_features",
    "load_model",
    "score",
]

Context = Mapping[Dependent, Dependent]


class CompatError(Exception):
    """Base of this module's errors; every message is one line."""


class ModelLoadError(CompatError):
    """The file is not a model this stack can load (the message says why)."""


class MissingInputError(CompatError):
    """Extraction needs a datasource value that was not given."""


class FeatureExtractionError(CompatError):
    """A feature's code failed on the given values."""


@dataclass(frozen=True)
class LoadedModel:
    """A revscoring model made fit for this stack, and what was done to it."""

    path: str
    model: Model
    model_type: str
    version: str | None
    revscoring_version: str | None
    sklearn_version: str
    labels: tuple[Any, ...]
    features: tuple[Any, ...]
    feature_names: tuple[str, ...]
    deltas_era: str
    dictionaries: Mapping[str, str]
    compat_steps: tuple[str, ...]
    input_context: Context
    drift_context: Context
    context: Context
    # what FAST_FEATURES substituted ({substitution: dependents replaced}; empty when off)
    fast_substitutions: Mapping[str, int] = dataclass_field(default_factory=dict)
    # (parent-side, current-side, key) text-derived dependents whose values can be reused
    text_pairs: tuple[tuple[Dependent, Dependent, str], ...] = ()
    # a digest of context_key(): kept text-derived values are valid for equal digests only
    resolution_digest: str = ""


# --------------------------------------------------------------------------------------------
# Public functions


def load_model(
    path: str | os.PathLike[str],
    word2vec_dir: Path | None = None,
    *,
    fast_features: bool = True,
) -> LoadedModel:
    """Load a revscoring model file written by any revscoring 2.x (see the module docstring).
    Word vectors its feature lists load come from ``word2vec_dir`` (:mod:`.word_vectors`);
    ``fast_features``: with the equal, faster implementations of :mod:`.fast_features`."""
    path = os.fspath(path)
    data = _read_model_bytes(path)
    steps: list[str] = []
    dictionaries: dict[str, str] = {}
    modules: set[str] = set()
    model, sklearn_versions = _unpickle(path, data, steps, dictionaries, word2vec_dir, modules)
    _fix_estimators(model, steps)

    revscoring_version = _recorded_revscoring_version(model)
    era = _deltas_era(revscoring_version)
    graph = list(expand(model.features))
    for tag, used in _language_dictionaries(modules).items():
        dictionaries.setdefault(tag, used)
    input_context = _input_context(graph, steps)
    drift_context = _drift_context(graph, era, steps)
    context = {**input_context, **drift_context}
    substitutions: dict[str, int] = {}
    pairs: tuple[tuple[Dependent, Dependent, str], ...] = ()
    if fast_features:
        fast, substitutions = _fast_context(graph, context)
        context.update(fast)
        pairs = _text_pairs(model.features, context)
    labels = getattr(model, "labels", None) or ()
    return LoadedModel(
        path=path,
        model=model,
        model_type=type(model).__name__,
        version=getattr(model, "version", None),
        revscoring_version=revscoring_version,
        sklearn_version=", ".join(sorted(sklearn_versions)),
        labels=tuple(labels),
        features=tuple(model.features),
        feature_names=tuple(feature.name for feature in model.features),
        deltas_era=era.deltas,
        dictionaries=MappingProxyType(dictionaries),
        compat_steps=tuple(dict.fromkeys(steps)),
        input_context=MappingProxyType(input_context),
        drift_context=MappingProxyType(drift_context),
        context=MappingProxyType(context),
        fast_substitutions=MappingProxyType(substitutions),
        text_pairs=pairs,
        resolution_digest=_digest(_resolution_key(era.deltas, bool(substitutions), context)),
    )


_fast_context = fast_features.fast_context
_text_pairs = fast_features.text_pairs


def extract_features(
    loaded: LoadedModel,
    values: Mapping[str, Any],
    *,
    emulate_drift: bool = True,
    shared_cache: dict[Dependent, Any] | None = None,
    reuse: fast_features.TextReuse | None = None,
    scope: str = "",
) -> list[Any]:
    """Solve the model's features from datasource values (root values or API documents).

    ``shared_cache`` (filled in place) lets models whose :func:`context_key` is equal
    share one extraction: what one model's features computed, the next one reuses."""
    # revscoring only honours a real dict as context (any other mapping is read as a set)
    context = dict(loaded.context if emulate_drift else loaded.input_context)
    cache = _root_cache(values) if shared_cache is None else shared_cache
    if shared_cache is not None and not shared_cache:
        shared_cache.update(_root_cache(values))
    keys = None
    if reuse is not None and emulate_drift and loaded.text_pairs:
        keys = _reuse_before(loaded, reuse, scope, cache, context)
    try:
        feature_values = list(solve(loaded.features, cache=cache, context=context))
        if keys is not None:
            _reuse_after(loaded, reuse, keys, cache)  # type: ignore[arg-type]
        return feature_values
    except CaughtDependencyError as error:
        if isinstance(error.exception, CompatError):
            raise error.exception from None
        raise FeatureExtractionError(
            _one_line(f"{error.message}: {type(error.exception).__name__}")
        ) from error


def context_key(loaded: LoadedModel) -> tuple[str, bool, frozenset[tuple[str, str]]]:
    """Models with equal keys resolve every datasource the same way, so they may share a
    solve cache (models of different eras must not: their replacements share names)."""
    return _resolution_key(loaded.deltas_era, bool(loaded.fast_substitutions), loaded.context)


def _resolution_key(
    era: str, fast: bool, context: Mapping[Dependent, Dependent]
) -> tuple[str, bool, frozenset[tuple[str, str]]]:
    return era, fast, frozenset((str(k), str(v)) for k, v in context.items())


def _digest(key: tuple[str, bool, frozenset[tuple[str, str]]]) -> str:
    text = repr((key[0], key[1], sorted(key[2])))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


_REUSE_INPUTS = (
    revision_oriented.revision.id,
    revision_oriented.revision.text,
    revision_oriented.revision.parent.id,
    revision_oriented.revision.parent.text,
)


def _reuse_before(
    loaded: LoadedModel,
    reuse: fast_features.TextReuse,
    scope: str,
    cache: dict[Dependent, Any],
    context: dict[Dependent, Dependent],
) -> tuple[tuple, tuple, bool, bool] | None:
    """Put the kept text-derived values of this revision and of its parent into ``cache``;
    the keys to keep this extraction's values under. None (no reuse) when the ids or texts
    cannot be read: the extraction itself then reports why."""
    try:
        rev_id, text, parent_id, parent_text = solve(_REUSE_INPUTS, cache=cache, context=context)
    except Exception:  # noqa: BLE001 - reported by the extraction that follows
        return None
    if not isinstance(rev_id, int) or not isinstance(text, str):
        return None
    era = loaded.resolution_digest
    current_key = (scope, era, rev_id, fast_features.text_digest(text))
    parent_key = None
    if isinstance(parent_id, int) and isinstance(parent_text, str) and parent_id > 0:
        parent_key = (scope, era, parent_id, fast_features.text_digest(parent_text))
    found_current = reuse.get(current_key)
    found_parent = reuse.get(parent_key) if parent_key is not None else None
    for parent_side, current_side, name in loaded.text_pairs:
        if found_parent is not None and parent_side not in cache and name in found_parent:
            cache[parent_side] = found_parent[name]
        if found_current is not None and current_side not in cache and name in found_current:
            cache[current_side] = found_current[name]
    return current_key, parent_key, found_current is not None, found_parent is not None


def _reuse_after(
    loaded: LoadedModel,
    reuse: fast_features.TextReuse,
    keys: tuple[tuple, tuple | None, bool, bool],
    cache: dict[Dependent, Any],
) -> None:
    current_key, parent_key, had_current, had_parent = keys
    if not had_current:
        reuse.put(
            current_key,
            {name: cache[c] for _, c, name in loaded.text_pairs if c in cache},
        )
    if parent_key is not None and not had_parent:
        reuse.put(
            parent_key,
            {name: cache[p] for p, c, name in loaded.text_pairs if p in cache},
        )


def score(loaded: LoadedModel, feature_values: Iterable[Any]) -> dict[str, Any]:
    """Score feature values as revscoring does: prediction plus probability per label."""
    return loaded.model.score(list(feature_values))


# --------------------------------------------------------------------------------------------
# Reading the file


def _read_model_bytes(path: str) -> bytes:
    """The pickle bytes of ``path``. revscoring also wrote ``.bz2`` models (2.0.7 reads them
    natively); detect them by content, not by name, since a server renames files."""
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except IsADirectoryError:
        raise ModelLoadError(f"{path} is a directory, not a model file") from None
    except OSError as error:
        raise ModelLoadError(f"{path} cannot be read: {error.strerror or error}") from None
    if not data:
        raise ModelLoadError(f"{path} is empty")
    if data.startswith(b"BZh"):
        try:
            data = bz2.decompress(data)
        except (OSError, EOFError, ValueError) as error:
            raise ModelLoadError(
                _one_line(f"{path} is a damaged bz2 file ({error or 'truncated'})")
            ) from None
    return data


def _unpickle(
    path: str,
    data: bytes,
    steps: list[str],
    dictionaries: dict[str, str],
    word2vec_dir: Path | None = None,
    modules: set[str] | None = None,
) -> tuple[Model, set[str]]:
    """Unpickle through :class:`_CompatUnpickler`. scikit-learn warns once per estimator class
    that the pickle is from another version; the warnings are collected (they carry the
    version the model was trained with) instead of being shown."""
    unpickler = _CompatUnpickler(
        io.BytesIO(data),
        path=path,
        steps=steps,
        dictionaries=dictionaries,
        word2vec_dir=word2vec_dir,
        modules=modules,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InconsistentVersionWarning)
        try:
            model = unpickler.load()
        except CompatError:
            raise
        except EOFError:
            raise ModelLoadError(f"{path} is truncated: the pickle ends early") from None
        except Exception as error:  # any pickle or class-construction failure
            raise ModelLoadError(
                _one_line(
                    f"{path} is not a loadable model pickle ({type(error).__name__}: {error})"
                )
            ) from None
    # scikit-learn is silent when the versions match
    sklearn_versions = {
        str(w.message.original_sklearn_version)
        for w in caught
        if isinstance(w.message, InconsistentVersionWarning)
    } or {sklearn.__version__}
    for w in caught:
        if not isinstance(w.message, InconsistentVersionWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if not isinstance(model, Model):
        raise ModelLoadError(f"{path} holds a {type(model).__name__}, not a revscoring model")
    return model, sklearn_versions


def _language_dictionaries(modules: Iterable[str]) -> dict[str, str]:
    """The spelling dictionaries that the revscoring language modules the pickle
    references (``revscoring.languages.english``...) opened at import:
    ``{"en_US": "en_US (hunspell)", ...}``."""
    found: dict[str, str] = {}
    for name in sorted(modules):
        module = sys.modules.get(name)
        if module is None or not name.startswith("revscoring.languages."):
            continue
        for value in vars(module).values():
            opened = getattr(value, "dicts", None) or (value,)  # MultiDictChecker or Dict
            for dictionary in opened:
                if isinstance(dictionary, enchant.Dict) and dictionary.tag:
                    provider = dictionary.provider.name if dictionary.provider else "?"
                    found[dictionary.tag] = f"{dictionary.tag} ({provider})"
    return found


def _one_line(message: str, limit: int = 300) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------
# Unpickling: names that moved or disappeared

# scikit-learn 0.22 made these modules private (sklearn.x.y -> sklearn.x._y) and 0.24 removed
# the public names, which pickles made with scikit-learn <= 0.21 still reference.
_MODULE_RENAMES: Mapping[str, str] = {
    "sklearn.ensemble.gradient_boosting": "sklearn.ensemble._gb",
    "sklearn.ensemble.forest": "sklearn.ensemble._forest",
    "sklearn.tree.tree": "sklearn.tree._classes",
    "sklearn.preprocessing.data": "sklearn.preprocessing._data",
    "sklearn.linear_model.logistic": "sklearn.linear_model._logistic",
    "sklearn.svm.classes": "sklearn.svm._classes",
}

# Modules where scikit-learn <= 1.3 kept the gradient-boosting loss objects and (<= 0.21) the
# initial estimators. Checked before the renames: sklearn.ensemble._gb of 1.9 imports a new,
# unrelated ExponentialLoss that must not receive an old pickled one.
_LEGACY_GB_MODULES = frozenset(
    {"sklearn.ensemble.gradient_boosting", "sklearn.ensemble._gb", "sklearn.ensemble._gb_losses"}
)


class _LegacyGBObject:
    """The pickled state of a gradient-boosting helper object scikit-learn no longer has.
    :func:`_fix_gradient_boosting` replaces every one of them after loading."""

    legacy_name = ""

    def __repr__(self) -> str:
        return f"<legacy sklearn {self.legacy_name} {vars(self)}>"


_LEGACY_GB_CLASSES: Mapping[str, type[_LegacyGBObject]] = {
    name: type(name, (_LegacyGBObject,), {"legacy_name": name, "__module__": __name__})
    for name in (
        # loss objects, the ``loss_`` (<= 1.0) or ``_loss`` (1.1 - 1.3) attribute
        "BinomialDeviance",
        "MultinomialDeviance",
        "ExponentialLoss",
        # initial estimators, the default ``init_`` up to scikit-learn 0.20
        "LogOddsEstimator",
        "ScaledLogOddsEstimator",
        "PriorProbabilityEstimator",
        "ZeroEstimator",
    )
}


def _new_longest(parent_longest: int, longest: int) -> int:
    """editquality's ``_process_new_longest``: the longest token/char run if the edit made a
    longer one, else 1."""
    return longest if longest > parent_longest else 1


def _first(pair: list[float]) -> float:
    return pair[0]


def _second(pair: list[float]) -> float:
    return pair[1]


def _sentiwordnet_polarity(tokens: list[str]) -> list[float]:
    raise FeatureExtractionError(
        "draftquality's sentiment features need NLTK's wordnet and sentiwordnet corpora, "
        "which this stack does not ship"
    )


# Functions that ORES model pickles reference in the ORES model repositories' packages. The
# packages are not needed to serve: these stand-ins compute the same values (the sentiment
# one cannot: it needs corpora that are not available, so it fails with a clear message).
_PACKAGE_FUNCTIONS: Mapping[tuple[str, str], Callable[..., Any]] = {
    ("editquality.feature_lists.wikitext", "_process_new_longest"): _new_longest,
    ("draftquality.feature_lists.enwiki", "get_polarity_score"): _sentiwordnet_polarity,
    ("draftquality.feature_lists.enwiki", "get_positive_score"): _first,
    ("draftquality.feature_lists.enwiki", "get_negative_score"): _second,
}


class _CompatUnpickler(pickle.Unpickler):
    """Resolves the names in an old pickle to what they are called, or stand for, today.

    Everything it substitutes is local to this unpickler: nothing is registered globally.
    """

    def __init__(
        self,
        file: io.BytesIO,
        *,
        path: str,
        steps: list[str],
        dictionaries: dict[str, str],
        word2vec_dir: Path | None = None,
        modules: set[str] | None = None,
    ) -> None:
        super().__init__(file)
        self._path = path
        self._word2vec_dir = word2vec_dir
        self._modules = modules if modules is not None else set()  # every module referenced
        self._steps = steps
        self._replacements: dict[tuple[str, str], Any] = {
            ("sklearn.tree._tree", "Tree"): _widening_tree_class(steps),
            ("enchant", "Dict"): _pinned_dictionary_class(path, dictionaries),
            # pyenchant 1.6 kept the class of its strings on each Dict; pyenchant 3 has no
            # UTF16EnchantStr, and a plain str is what pyenchant 3 works with.
            ("enchant.utils", "UTF16EnchantStr"): str,
        }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._replacements:
            if module == "enchant.utils":
                self._steps.append("enchant.utils.UTF16EnchantStr (pyenchant 1.6) read as str")
            return self._replacements[(module, name)]
        if module in _LEGACY_GB_MODULES and name in _LEGACY_GB_CLASSES:
            return _LEGACY_GB_CLASSES[name]
        if (module, name) in _PACKAGE_FUNCTIONS:
            self._steps.append(f"{module}.{name} computed by compat (no package needed)")
            return _PACKAGE_FUNCTIONS[(module, name)]
        if module in _MODULE_RENAMES:
            self._steps.append(f"module {module} read as {_MODULE_RENAMES[module]}")
            module = _MODULE_RENAMES[module]
        if module.startswith("revscoring.scorer_models"):
            raise ModelLoadError(
                f"{self._path} was pickled by revscoring 0.x/1.x ({module}.{name}), which "
                "revscoring 2.11 cannot load; retrain it with revscoring >= 2"
            )
        self._import_with_word_vectors(module)
        self._modules.add(module)
        try:
            return super().find_class(module, name)
        except (ImportError, AttributeError) as error:
            raise ModelLoadError(
                _one_line(
                    f"{self._path} references {module}.{name}, which this stack does not have "
                    f"({type(error).__name__}: {error})"
                )
            ) from None

    def _import_with_word_vectors(self, module: str) -> None:
        """Feature list modules that load word vectors at import get them from WORD2VEC_DIR."""
        try:
            word_vectors.import_feature_module(module, self._word2vec_dir)
        except word_vectors.MissingWordVectors as error:
            raise ModelLoadError(f"{self._path}: {error}") from None
        except ImportError:
            return  # reported by find_class with the model's path
        except Exception as error:  # an unreadable vector file
            raise ModelLoadError(
                _one_line(
                    f"{self._path}: importing {module} (word vectors from "
                    f"{self._word2vec_dir or 'revscoring search directories'}) failed: "
                    f"{type(error).__name__}: {error}"
                )
            ) from None


def _widening_tree_class(steps: list[str]) -> type[Tree]:
    """A Tree whose unpickling accepts node arrays of scikit-learn < 1.3.

    scikit-learn 1.3 added the ``missing_go_to_left`` field to tree nodes and refuses node
    arrays without it. Old trees never saw missing values, so the field is 0 everywhere. The
    objects are Trees (a subclass only adds ``__setstate__``) and pickle again as plain Trees.
    """

    class WideningTree(Tree):
        def __setstate__(self, state: dict[str, Any]) -> None:
            nodes = state["nodes"]
            if "missing_go_to_left" not in (nodes.dtype.names or ()):
                widened = np.zeros(nodes.shape, dtype=NODE_DTYPE)
                for field in nodes.dtype.names:
                    widened[field] = nodes[field]
                state = {**state, "nodes": widened}
                steps.append("tree node arrays widened with missing_go_to_left (sklearn < 1.3)")
            super().__setstate__(state)

    return WideningTree


def _pinned_dictionary_class(path: str, dictionaries: dict[str, str]) -> type[enchant.Dict]:
    """An enchant Dict that reopens a pickled dictionary by its tag, as production does.

    A pickled Dict carries only its tag (plus pyenchant 1.6 internals, dropped here); the
    dictionary is reopened at unpickling and must be the provider and file production opens
    for that tag (:data:`revscoring_server.spelling.DICTIONARIES`).
    """

    class PinnedDict(enchant.Dict):
        def __setstate__(self, state: dict[str, Any]) -> None:
            tag = str(state["tag"])
            expected = DICTIONARIES.get(tag)
            if expected is None:
                raise ModelLoadError(
                    f"{path} asks enchant for a {tag!r} dictionary, which Lift Wing's "
                    "production image does not have"
                )
            try:
                enchant.Dict.__init__(self, tag)
            except enchant.errors.DictNotFoundError:
                raise ModelLoadError(
                    f"{path} needs the {expected.provider} dictionary {expected.name!r} (for "
                    f"the model's {tag!r}; Debian package {expected.package}), which is not "
                    "installed"
                ) from None
            if self.provider.name != expected.provider:
                raise ModelLoadError(
                    f"{path} needs the {expected.provider} dictionary {expected.name!r} for "
                    f"{tag!r}; {self.provider.name} opened it here"
                )
            dictionaries[tag] = f"{expected.name} ({self.provider.name})"

    return PinnedDict


# --------------------------------------------------------------------------------------------
# After unpickling: estimators pickled by scikit-learn 0.19 - 0.22 on scikit-learn 1.9


def _fix_estimators(model: Model, steps: list[str]) -> None:
    """Give every scikit-learn estimator of the model what scikit-learn 1.9 reads from it."""
    for estimator in _estimators(model):
        _fill_missing_params(estimator, steps)
        _restore_renamed_attributes(estimator, steps)
        if _has_legacy_gb_parts(estimator):
            _fix_gradient_boosting(estimator, steps)
        if isinstance(estimator, DummyClassifier) and "_strategy" not in vars(estimator):
            # 0.22+ reads the validated strategy from ``_strategy``
            estimator._strategy = estimator.strategy
            steps.append("DummyClassifier._strategy set from strategy")
    leftover = [e for e in _estimators(model) if _has_legacy_gb_parts(e)]
    if leftover:
        raise ModelLoadError(f"unsupported legacy gradient-boosting parts in {leftover[0]!r}")


def _estimators(model: Model) -> Iterator[BaseEstimator]:
    """Every estimator reachable from the model: its estimator(s), scaler, and their parts
    (trees of an ensemble, the initial estimator of gradient boosting, ...)."""
    roots: list[Any] = [getattr(model, "estimator", None), getattr(model, "scaler", None)]
    roots += [estimator for _, estimator in getattr(model, "estimators", None) or ()]
    seen: set[int] = set()
    stack = [root for root in roots if isinstance(root, BaseEstimator)]
    while stack:
        estimator = stack.pop()
        if id(estimator) in seen:
            continue
        seen.add(id(estimator))
        yield estimator
        for value in vars(estimator).values():
            stack.extend(_child_estimators(value))


def _child_estimators(value: Any) -> list[BaseEstimator]:
    if isinstance(value, BaseEstimator):
        return [value]
    if isinstance(value, np.ndarray) and value.dtype == object:
        return [item for item in value.flat if isinstance(item, BaseEstimator)]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, BaseEstimator)]
    return []


def _fill_missing_params(estimator: BaseEstimator, steps: list[str]) -> None:
    """Constructor parameters added after the pickle was made (``ccp_alpha`` 0.22,
    ``unit_variance`` 0.24, ``monotonic_cst`` 1.4, ...) are read by ``get_params`` and, for
    some, by ``predict``; the pickle has no value for them. Their defaults are exactly the
    behaviour of the versions that did not have them yet."""
    signature = inspect.signature(type(estimator).__init__)
    missing = [
        (name, parameter.default)
        for name, parameter in signature.parameters.items()
        if name != "self"
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
        and name not in vars(estimator)
    ]
    for name, default in missing:
        setattr(estimator, name, default)
    if missing:
        names = ", ".join(f"{name}={default!r}" for name, default in missing)
        steps.append(f"{type(estimator).__name__}: parameters added since the pickle: {names}")


def _restore_renamed_attributes(estimator: BaseEstimator, steps: list[str]) -> None:
    """Fitted attributes scikit-learn renamed or added: ``n_features_`` became
    ``n_features_in_`` (1.0; read to check the width of X), and gradient boosting's tree count
    per stage became ``n_trees_per_iteration_`` (1.4)."""
    state = vars(estimator)
    if "n_features_in_" not in state and isinstance(state.get("n_features_"), (int, np.integer)):
        estimator.n_features_in_ = state["n_features_"]
        steps.append(f"{type(estimator).__name__}.n_features_in_ set from n_features_")
    estimators = state.get("estimators_")
    if isinstance(estimators, np.ndarray) and estimators.ndim == 2 and "init_" in state:
        if "n_trees_per_iteration_" not in state:
            estimator.n_trees_per_iteration_ = estimators.shape[1]
            steps.append(f"{type(estimator).__name__}.n_trees_per_iteration_ set")


def _has_legacy_gb_parts(estimator: BaseEstimator) -> bool:
    return any(isinstance(value, _LegacyGBObject) for value in vars(estimator).values())


def _fix_gradient_boosting(estimator: BaseEstimator, steps: list[str]) -> None:
    """Replace the loss and initial estimator objects of scikit-learn <= 1.3.

    scikit-learn 1.4 predicts probabilities with ``_loss`` (a ``sklearn._loss`` object) and
    starts from ``_init_raw_predictions(init_.predict_proba(X))``; older versions kept their own
    loss object in ``loss_`` (1.1 - 1.3: ``_loss``) and, up to 0.20, an initial estimator whose
    ``predict`` gave the raw start value directly.
    """
    state = vars(estimator)
    legacy_loss = next(
        (state[key] for key in ("_loss", "loss_") if isinstance(state.get(key), _LegacyGBObject)),
        None,
    )
    if legacy_loss is not None:
        estimator._loss = _modern_loss(legacy_loss, estimator)
        if isinstance(state.get("loss_"), _LegacyGBObject):
            del estimator.loss_
        steps.append(f"loss {legacy_loss.legacy_name} -> {type(estimator._loss).__name__}")
    if state.get("loss") == "deviance":  # renamed 'log_loss' in 1.1, removed in 1.3
        estimator.loss = "log_loss"
        steps.append("loss='deviance' renamed 'log_loss'")
    init = state.get("init_")
    if isinstance(init, _LegacyGBObject):
        if not isinstance(state.get("_loss"), BaseLoss):
            raise ModelLoadError(f"{init.legacy_name} init estimator without a known loss")
        estimator.init_ = _modern_init(init, estimator._loss)
        steps.append(f"init estimator {init.legacy_name} -> {_describe_init(estimator.init_)}")


def _modern_loss(legacy: _LegacyGBObject, estimator: BaseEstimator) -> BaseLoss:
    """The ``sklearn._loss`` object with the same link as the old loss. Old binomial deviance
    mapped raw scores to ``expit(raw)``, multinomial to ``softmax(raw)``, exponential to
    ``expit(2 raw)``: the inverse links of these three."""
    if legacy.legacy_name == "BinomialDeviance":
        return HalfBinomialLoss()
    if legacy.legacy_name == "MultinomialDeviance":
        return HalfMultinomialLoss(n_classes=int(getattr(legacy, "K", estimator.n_classes_)))
    if legacy.legacy_name == "ExponentialLoss":
        return ExponentialLoss()
    raise ModelLoadError(f"unsupported legacy gradient-boosting loss {legacy.legacy_name}")


def _modern_init(legacy: _LegacyGBObject, loss: BaseLoss) -> DummyClassifier | str:
    """A ``DummyClassifier`` whose probabilities, through the new loss's link, give the raw
    start value the old initial estimator predicted.

    * ``LogOddsEstimator`` (binomial) and ``ScaledLogOddsEstimator`` (exponential) predicted
      their ``prior``, the (half) log-odds of the positive class;
    * ``PriorProbabilityEstimator`` (multinomial, scikit-learn <= 0.20) predicted the raw class
      ``priors`` themselves, not their logs (0.21 changed that together with the estimator);
      ``softmax`` of them, as raw values shifted by a constant, gives the same probabilities;
    * ``ZeroEstimator`` started from 0, which is ``init_ = "zero"`` today.
    """
    name = legacy.legacy_name
    if name == "ZeroEstimator":
        return "zero"
    if name in ("LogOddsEstimator", "ScaledLogOddsEstimator"):
        positive = float(loss.link.inverse(np.array([float(legacy.prior)]))[0])
        class_prior = np.array([1.0 - positive, positive])
    elif name == "PriorProbabilityEstimator":
        priors = np.asarray(legacy.priors, dtype=np.float64)
        class_prior = np.asarray(loss.link.inverse(priors.reshape(1, -1)))[0]
    else:
        raise ModelLoadError(f"unsupported legacy gradient-boosting init estimator {name}")
    dummy = DummyClassifier(strategy="prior")
    dummy._strategy = "prior"
    dummy.classes_ = np.arange(class_prior.size)
    dummy.n_classes_ = class_prior.size
    dummy.class_prior_ = class_prior
    dummy.n_outputs_ = 1
    dummy.sparse_output_ = False
    return dummy


def _describe_init(init: DummyClassifier | str) -> str:
    if isinstance(init, str):
        return repr(init)
    return f"DummyClassifier(prior={np.array2string(init.class_prior_, precision=6)})"


def _recorded_revscoring_version(model: Model) -> str | None:
    try:
        return str(model.info["environment"]["revscoring_version"])
    except (KeyError, TypeError, AttributeError):
        return None


# --------------------------------------------------------------------------------------------
# Extraction: datasources whose implementation moved since training

# Root datasources revscoring 2.11 derives from a ``*_str`` datasource (``revision.timestamp``
# from ``revision.timestamp_str``, ...). revscoring 2.2 had them as roots that the API
# extractor filled in directly, so old pickles hold them unimplemented.
_TODAY_DERIVED: Mapping[str, Datasource] = MappingProxyType(
    {
        datasource.name: datasource
        for datasource in revision_oriented.revision
        if datasource.process is not not_implemented
    }
)
_STRING_INPUTS: Mapping[str, str] = MappingProxyType(
    {
        name: datasource.dependencies[0].name
        for name, datasource in _TODAY_DERIVED.items()
        if [d.name for d in datasource.dependencies] == [name + "_str"]
    }
)


def _root_cache(values: Mapping[str, Any]) -> dict[Dependent, Any]:
    """The solve cache for the given values. A timestamp given as text (as in JSON) goes to
    its ``*_str`` datasource, from which revscoring 2.11 derives the Timestamp."""
    cache: dict[Dependent, Any] = {}
    for name, value in values.items():
        if name in _STRING_INPUTS and (value is None or isinstance(value, str)):
            name = _STRING_INPUTS[name]
        cache[Datasource(name)] = value
    return cache


def _input_context(graph: list[Dependent], steps: list[str]) -> dict[Dependent, Dependent]:
    """Implementations for the unimplemented (root) datasources of the model's graph.

    * an old root that revscoring 2.11 derives (``revision.timestamp``, ...) gets today's
      same-named, implemented datasource: revscoring replaces a dependent found in the
      solve context, matching by name;
    * roots that are read from API documents get revscoring's own API-extractor derivations,
      so that the documents can be given instead of root values;
    * every other root fails with a :class:`MissingInputError` naming it.
    """
    implemented = {d.name for d in graph if getattr(d, "process", None) is not not_implemented}
    context: dict[Dependent, Dependent] = {
        d: d for d in _api_document_context() if d.name not in implemented
    }
    replaced = []
    for dependent in graph:
        if getattr(dependent, "process", None) is not not_implemented:
            continue
        if dependent.name in _TODAY_DERIVED:
            context[dependent] = _TODAY_DERIVED[dependent.name]
            replaced.append(dependent.name)
        elif dependent not in context:
            context[dependent] = _input_placeholder(dependent.name)
    for dependent in expand(list(context.values())):
        if dependent.process is not_implemented and dependent not in context:
            context[dependent] = _input_placeholder(dependent.name)
    if replaced:
        steps.append(
            "old root datasources derived as in revscoring 2.11: " + ", ".join(sorted(replaced))
        )
    return context


def _api_document_context() -> list[Dependent]:
    """revscoring's API-extractor datasources (``revision.text`` read from
    ``revision.doc['slots']['main']['*']``, ...) with the documents themselves as inputs."""
    documents = _InputDocuments()
    tree = api_revision_oriented.Revision(
        revision_oriented.revision,
        documents,
        documents.get_rev_doc_by_id(revision_oriented.revision),
        id_datasource=revision_oriented.revision.id,
    )
    dependents = [dependent for dependent in tree if dependent.process is not not_implemented]
    for document in documents.created:
        read_from = sorted(d.name for d in dependents if document in d.dependencies)
        document.process = partial(_missing_input, document.name, tuple(read_from))
    return dependents


class _InputDocuments:
    """Stands where revscoring's ``api.Extractor`` fetches documents: here they are inputs,
    named as the extractor names them."""

    def __init__(self) -> None:
        self.created: list[Datasource] = []

    def _document(self, name: str) -> Datasource:
        document = _input_placeholder(name)
        self.created.append(document)
        return document

    def get_rev_doc_by_id(self, revision: Any) -> Datasource:
        return self._document(revision._name + ".doc")

    def get_page_creation_rev_doc(self, page: Any) -> Datasource:
        return self._document(page.creation._name + ".doc")

    def get_user_info_doc(self, user: Any) -> Datasource:
        return self._document(user.info._name + ".doc")

    def get_last_user_rev_doc(self, revision: Any) -> Datasource:
        return self._document(revision.user.last_revision._name + ".doc")

    def get_property_suggestion_search_doc(self, page: Any) -> Datasource:
        return self._document(page.suggested.properties.name + ".doc")


def _input_placeholder(name: str) -> Datasource:
    return Datasource(name, partial(_missing_input, name, ()))


def _missing_input(name: str, read_from: tuple[str, ...]) -> Any:
    if read_from:
        shown = ", ".join(read_from[:4]) + (", ..." if len(read_from) > 4 else "")
        raise MissingInputError(f"no value for {name!r} nor for the values read from it ({shown})")
    raise MissingInputError(f"no value for datasource {name!r}")


# --------------------------------------------------------------------------------------------
# Extraction: the deltas tokenizer and segmenter of the training stack


@dataclass(frozen=True)
class _DeltasEra:
    """A deltas release line, the first revscoring release that required it, and how its
    wikitext tokenizer and paragraph segmenter differ from deltas 0.7 (revscoring 2.11)."""

    deltas: str
    first_revscoring: tuple[int, ...]
    lexicon: tuple[tuple[str, str], ...] | None  # None: tokenizes as deltas 0.7
    old_paragraphs: bool


_LEXICON_07: tuple[tuple[str, str], ...] = tuple(wikitext_split.lexicon)

# deltas 0.4: the same token types in another order (comments, urls and words before
# whitespace, ``tab_close`` before ``bar``, so ``|}`` is one token), a greedier url, ref tags
# without ``/`` inside, and newline alternations that take ``\n`` before ``\n\r``.
_ORDER_04 = (
    "comment_start comment_end url entity cjk ref_open ref_close ref_singleton tag number "
    "japan_punct danda bold italic word period qmark epoint comma colon scolon break "
    "whitespace dbrack_open dbrack_close brack_open brack_close paren_open paren_close "
    "tab_open tab_close dcurly_open dcurly_close curly_open curly_close equals bar etc"
).split()
_PATTERNS_04 = {
    "url": (
        r"((bitcoin|geo|magnet|mailto|news|sips?|tel|urn)\:|"
        r"((|ftp|ftps|git|gopher|https?|ircs?|mms|nntp|redis|sftp|ssh|svn|telnet|worldwind|xmpp)"
        r"\:)?\/\/)[^\s/$.?#].[^\s]*"
    ),
    "ref_open": r"<ref\b[^>/]*>",
    "ref_singleton": r"<ref\b[^>/]*/>",
    "break": r"(\n|\n\r|\r\n)\s*(\n|\n\r|\r\n)+",
    "whitespace": r"(\n|\n\r|[^\S\n\r]+)",
}

# deltas 0.6: deltas 0.7's order, but numbers keep their decimal/thousands separators
# ("2.500" is one token) and CJK characters run together as one ``cjk_word`` token (Hangul
# included). The Hangul ranges were written with an en dash, so they are single characters.
_CJK_CHARS_06 = (
    r"\u4E00-\u62FF\u3400-\u4DFF\U00020000-\U000215FF\uF900-\uFAFF\U0002F800-\U0002FA1F"
    r"\u6300-\u77FF\u7800-\u8CFF\u8D00-\u9FCC\U00021600-\U000230FF\U00023100-\U000245FF"
    r"\U00024600-\U000260FF\U00026100-\U000275FF\U00027600-\U000290FF\U00029100-\U0002A6DF"
    r"\u4E00-\u9FCB\uF900-\uFA6A\u3220-\u3243\u3280-\u337F"
    r"\u3041-\u3096\u30A0-\u30FF\u3400-\u4DB5\u2E80-\u2FD5\uFF5F-\uFF9F\u31F0-\u31FF"
    "\\uAC00-\\uD7AF\\u1100-\\u11FF\\u3130\u2013\\u318F\\uA960\u2013\\uA97F\\uD7B0\u2013\\uD7FF"
)
_PATTERNS_06 = {
    "number": r"[0-9]+([\,\.][0-9]+)*(e[0-9]+)*|([\.\,][0-9]+)+(e[0-9]+)*",
    "cjk_word": (
        rf"(?=[{_CJK_CHARS_06}])[{_CJK_CHARS_06}]*(?:[\'’](?:[{_CJK_CHARS_06}]+|(?=(?:$|\s))))*"
    ),
}


def _lexicon_04() -> tuple[tuple[str, str], ...]:
    patterns = dict(_LEXICON_07)
    patterns.update(_PATTERNS_04)
    return tuple((name, patterns[name]) for name in _ORDER_04)


def _lexicon_06() -> tuple[tuple[str, str], ...]:
    renamed = [("cjk_word" if name == "cjk" else name, pattern) for name, pattern in _LEXICON_07]
    return tuple((name, _PATTERNS_06.get(name, pattern)) for name, pattern in renamed)


# Newest first. revscoring's requirements: 2.0 - 2.7 deltas 0.4.x, 2.8 0.5.x, 2.9 - 2.10 0.6.x,
# 2.11 0.7.x. deltas 0.5 tokenizes as 0.7 does; every deltas before 0.7 let a sentence run on
# across a paragraph break.
_DELTAS_ERAS: tuple[_DeltasEra, ...] = (
    _DeltasEra("0.7", (2, 11), None, old_paragraphs=False),
    _DeltasEra("0.6", (2, 9), _lexicon_06(), old_paragraphs=True),
    _DeltasEra("0.5", (2, 8), None, old_paragraphs=True),
    _DeltasEra("0.4", (0,), _lexicon_04(), old_paragraphs=True),
)


def _deltas_era(revscoring_version: str | None) -> _DeltasEra:
    """The deltas line the model's revscoring used; today's when the version is unknown."""
    if revscoring_version is None:
        return _DELTAS_ERAS[0]
    version = tuple(int(part) for part in re.findall(r"\d+", revscoring_version)[:3])
    return next(era for era in _DELTAS_ERAS if version >= era.first_revscoring)


def _drift_context(
    graph: list[Dependent], era: _DeltasEra, steps: list[str]
) -> dict[Dependent, Dependent]:
    """Same-named replacements for the model's tokenizing and segmenting datasources that
    compute as the model's deltas line did. The pickled graph calls today's deltas by name
    (``tokenized._process_tokens``, ``ParagraphsSentencesAndWhitespace.segment``)."""
    tokenizer = RegexTokenizer(list(era.lexicon)) if era.lexicon else None
    context: dict[Dependent, Dependent] = {}
    for dependent in graph:
        process = getattr(dependent, "process", None)
        if tokenizer is not None and process is tokenized._process_tokens:
            context[dependent] = Datasource(
                dependent.name, partial(_tokenize, tokenizer), depends_on=dependent.dependencies
            )
            steps.append(f"wikitext tokenized as deltas {era.deltas} did")
        elif era.old_paragraphs and _is_paragraph_segmenter(process):
            context[dependent] = Datasource(
                dependent.name,
                partial(_segment_before_deltas_07, process.__self__),
                depends_on=dependent.dependencies,
            )
            steps.append(f"paragraphs segmented as deltas {era.deltas} did")
    return context


def _tokenize(tokenizer: RegexTokenizer, text: str | None) -> list[Token]:
    return tokenizer.tokenize(text or "")


def _is_paragraph_segmenter(process: Any) -> bool:
    return (
        isinstance(getattr(process, "__self__", None), ParagraphsSentencesAndWhitespace)
        and getattr(process, "__func__", None) is ParagraphsSentencesAndWhitespace.segment
    )


def _segment_before_deltas_07(
    segmenter: ParagraphsSentencesAndWhitespace, tokens: list[Token]
) -> Segment:
    """Paragraphs, sentences and whitespace as deltas 0.4 - 0.6 segmented them.

    Same tree as today's segmenter, with one difference: deltas 0.7 ends a sentence at a
    paragraph break; before, a sentence ran on across breaks until a sentence end (with at
    least ``min_sentence`` non-whitespace tokens, outside brackets/refs/templates), so text
    without a final period swallowed the following paragraphs.
    """
    tokens = list(tokens)
    segments = Segment()
    position = 0
    while position < len(tokens):
        if tokens[position].type in segmenter.whitespace:
            segments.append(Segment(position, [tokens[position]]))
            position += 1
            continue
        paragraph = MatchableSegment(position)
        while position < len(tokens) and tokens[position].type not in segmenter.paragraph_end:
            token_type = tokens[position].type
            if token_type == "tab_open":
                part, position = _table(tokens, position)
            elif token_type in segmenter.whitespace:
                part, position = Segment(position, [tokens[position]]), position + 1
            else:
                part, position = _run_on_sentence(segmenter, tokens, position)
            paragraph.append(part)
        segments.append(paragraph)
    return segments


def _table(tokens: list[Token], start: int) -> tuple[MatchableSegment, int]:
    """A ``{| ... |}`` table, nested tables included, as one sentence."""
    table = MatchableSegment(start, [tokens[start]])
    depth, position = 1, start + 1
    while position < len(tokens) and depth > 0:
        depth += (tokens[position].type == "tab_open") - (tokens[position].type == "tab_close")
        table.append(tokens[position])
        position += 1
    return table, position


def _run_on_sentence(
    segmenter: ParagraphsSentencesAndWhitespace, tokens: list[Token], start: int
) -> tuple[MatchableSegment, int]:
    sentence = MatchableSegment(start, [tokens[start]])
    depth = int(tokens[start].type in deltas_psw.SUB_OPEN)
    position = start + 1
    while position < len(tokens):
        token = tokens[position]
        depth += (token.type in deltas_psw.SUB_OPEN) - (token.type in deltas_psw.SUB_CLOSE)
        sentence.append(token)
        position += 1
        if token.type in segmenter.sentence_end and depth <= 0:
            words = sum(part.type not in segmenter.whitespace for part in sentence)
            if words >= segmenter.min_sentence:
                break
    return sentence, position
