"""Loading a legacy model: :func:`load_model` and :class:`LoadedModel`, extraction, scoring.

API
---
``load_model(path, *, fast_features=True) -> LoadedModel``
    Read a model file (plain pickle as ``revscoring.Model.dump`` writes it, or bz2-compressed,
    detected by its magic bytes). Raises :class:`inference_common.errors.ModelLoadError` with
    a one-line message for anything that cannot load. Pickles run code: only load trusted
    model files. ``fast_features`` adds the equivalent fast implementations of
    :mod:`..fast_features` to the model's solve context (after the compatibility steps, on
    what they resolved to).
``extract_features(loaded, values, *, emulate_drift=True) -> list``
    Pure feature extraction. ``values`` maps datasource names to values: either root values
    (``{"revision.text": ..., "revision.parent.text": ..., "revision.timestamp": "2018-..."}``)
    or the documents revscoring's ``api.Extractor`` works from (``revision.doc``,
    ``revision.parent.doc``, ``revision.user.info.doc``, ... as the MediaWiki API returns
    them; ``None`` for an anonymous user's info doc), or a mix. No I/O happens here. Raises
    :class:`.errors.MissingInputError` when the model needs a value that was not given.
    ``emulate_drift=False`` computes what today's revscoring alone computes (diagnostics).
    Do not share one solve cache between models: their emulated datasources share names.
    ``reuse`` (a :class:`..fast_features.TextReuse`) with ``scope`` (the wiki) lets an
    extraction start from the parent's text-derived values kept from an earlier one.
``context_key(loaded)``
    Models with equal keys may share one solve cache (``shared_cache``).
``score(loaded, feature_values) -> dict``
    ``{"prediction": ..., "probability": {label: p}}`` exactly as revscoring returns it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from revscoring import Model
from revscoring.datasources import revision_oriented
from revscoring.dependencies import Dependent, expand, solve
from revscoring.errors import CaughtDependencyError

from .. import fast_features
from . import drift, estimators, inputs, unpickle
from .errors import ExtractionError, FeatureExtractionError, one_line

Context = Mapping[Dependent, Dependent]


@dataclass(frozen=True)
class LoadedModel:
    """A revscoring model made fit for this stack, and what was done to it."""

    path: str
    model: Model
    model_class: str  # the revscoring model class, e.g. GradientBoosting
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


def load_model(
    path: str | os.PathLike[str],
    word2vec_dir: Path | None = None,
    *,
    fast_features: bool = True,
) -> LoadedModel:
    """Load a revscoring model file written by any revscoring 2.x (see the package
    docstring). Word vectors its feature lists load come from ``word2vec_dir``
    (:mod:`..word_vectors`); ``fast_features``: with the equal, faster implementations of
    :mod:`..fast_features`."""
    path = os.fspath(path)
    data = unpickle.read_model_bytes(path)
    steps: list[str] = []
    dictionaries: dict[str, str] = {}
    modules: set[str] = set()
    model, sklearn_versions = unpickle.unpickle_model(
        path, data, steps, dictionaries, word2vec_dir, modules
    )
    estimators.fix_estimators(model, steps)

    revscoring_version = drift.recorded_revscoring_version(model)
    era = drift.deltas_era(revscoring_version)
    graph = list(expand(model.features))
    for tag, used in unpickle.language_dictionaries(modules).items():
        dictionaries.setdefault(tag, used)
    input_context = inputs.input_context(graph, steps)
    drift_context = drift.drift_context(graph, era, steps)
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
        model_class=type(model).__name__,
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
    cache = inputs.root_cache(values) if shared_cache is None else shared_cache
    if shared_cache is not None and not shared_cache:
        shared_cache.update(inputs.root_cache(values))
    keys = None
    if reuse is not None and emulate_drift and loaded.text_pairs:
        keys = _reuse_before(loaded, reuse, scope, cache, context)
    try:
        feature_values = list(solve(loaded.features, cache=cache, context=context))
        if keys is not None:
            _reuse_after(loaded, reuse, keys, cache)  # type: ignore[arg-type]
        return feature_values
    except CaughtDependencyError as error:
        if isinstance(error.exception, ExtractionError):
            raise error.exception from None
        raise FeatureExtractionError(
            one_line(f"{error.message}: {type(error.exception).__name__}")
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
