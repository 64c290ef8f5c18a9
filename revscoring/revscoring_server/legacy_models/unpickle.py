"""Unpickling a legacy model: names in an ORES-era pickle resolved to what they are today.

:func:`read_model_bytes` reads a model file (plain or bz2-compressed pickle);
:func:`unpickle_model` unpickles it through :class:`_LegacyUnpickler`, whose ``find_class``
reads renamed scikit-learn modules under their new names, stands in for classes and
functions that no longer exist (old gradient-boosting parts, the ORES model repositories'
helper functions), widens old tree node arrays, and reopens pickled spell-check
dictionaries as production does. Nothing is registered globally. Anything that cannot load
raises :class:`inference_common.errors.ModelLoadError` with a one-line message.
"""

from __future__ import annotations

import bz2
import io
import pickle
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import enchant
import numpy as np
import sklearn
from revscoring import Model
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.tree._tree import NODE_DTYPE, Tree

from inference_common.errors import ModelLoadError

from .. import word_vectors
from ..spelling import DICTIONARIES
from .errors import FeatureExtractionError, one_line

# --------------------------------------------------------------------------------------------
# Reading the file


def read_model_bytes(path: str) -> bytes:
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
                one_line(f"{path} is a damaged bz2 file ({error or 'truncated'})")
            ) from None
    return data


def unpickle_model(
    path: str,
    data: bytes,
    steps: list[str],
    dictionaries: dict[str, str],
    word2vec_dir: Path | None = None,
    modules: set[str] | None = None,
) -> tuple[Model, set[str]]:
    """Unpickle through :class:`_LegacyUnpickler`. scikit-learn warns once per estimator class
    that the pickle is from another version; the warnings are collected (they carry the
    version the model was trained with) instead of being shown."""
    unpickler = _LegacyUnpickler(
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
        except ModelLoadError:
            raise
        except EOFError:
            raise ModelLoadError(f"{path} is truncated: the pickle ends early") from None
        except Exception as error:  # any pickle or class-construction failure
            raise ModelLoadError(
                one_line(f"{path} is not a loadable model pickle ({type(error).__name__}: {error})")
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


def language_dictionaries(modules: Iterable[str]) -> dict[str, str]:
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


class LegacyGBObject:
    """The pickled state of a gradient-boosting helper object scikit-learn no longer has.
    :func:`.estimators.fix_estimators` replaces every one of them after loading."""

    legacy_name = ""

    def __repr__(self) -> str:
        return f"<legacy sklearn {self.legacy_name} {vars(self)}>"


_LEGACY_GB_CLASSES: Mapping[str, type[LegacyGBObject]] = {
    name: type(name, (LegacyGBObject,), {"legacy_name": name, "__module__": __name__})
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


class _LegacyUnpickler(pickle.Unpickler):
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
                one_line(
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
                one_line(
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
