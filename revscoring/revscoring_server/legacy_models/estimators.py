"""Estimator repairs: what scikit-learn 1.9 reads from estimators pickled by 0.19 - 0.22.

:func:`fix_estimators` walks every estimator of a freshly unpickled model and, by what its
pickled state lacks, fills constructor parameters added since, restores renamed fitted
attributes, and replaces the gradient-boosting loss and initial estimator objects that
scikit-learn no longer has (read by :mod:`.unpickle` as :class:`.unpickle.LegacyGBObject`)
with today's equivalents that give the same probabilities.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import numpy as np
from revscoring import Model
from sklearn._loss.loss import (
    BaseLoss,
    ExponentialLoss,
    HalfBinomialLoss,
    HalfMultinomialLoss,
)
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier

from inference_common.errors import ModelLoadError

from .unpickle import LegacyGBObject


def fix_estimators(model: Model, steps: list[str]) -> None:
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
    return any(isinstance(value, LegacyGBObject) for value in vars(estimator).values())


def _fix_gradient_boosting(estimator: BaseEstimator, steps: list[str]) -> None:
    """Replace the loss and initial estimator objects of scikit-learn <= 1.3.

    scikit-learn 1.4 predicts probabilities with ``_loss`` (a ``sklearn._loss`` object) and
    starts from ``_init_raw_predictions(init_.predict_proba(X))``; older versions kept their own
    loss object in ``loss_`` (1.1 - 1.3: ``_loss``) and, up to 0.20, an initial estimator whose
    ``predict`` gave the raw start value directly.
    """
    state = vars(estimator)
    legacy_loss = next(
        (state[key] for key in ("_loss", "loss_") if isinstance(state.get(key), LegacyGBObject)),
        None,
    )
    if legacy_loss is not None:
        estimator._loss = _modern_loss(legacy_loss, estimator)
        if isinstance(state.get("loss_"), LegacyGBObject):
            del estimator.loss_
        steps.append(f"loss {legacy_loss.legacy_name} -> {type(estimator._loss).__name__}")
    if state.get("loss") == "deviance":  # renamed 'log_loss' in 1.1, removed in 1.3
        estimator.loss = "log_loss"
        steps.append("loss='deviance' renamed 'log_loss'")
    init = state.get("init_")
    if isinstance(init, LegacyGBObject):
        if not isinstance(state.get("_loss"), BaseLoss):
            raise ModelLoadError(f"{init.legacy_name} init estimator without a known loss")
        estimator.init_ = _modern_init(init, estimator._loss)
        steps.append(f"init estimator {init.legacy_name} -> {_describe_init(estimator.init_)}")


def _modern_loss(legacy: LegacyGBObject, estimator: BaseEstimator) -> BaseLoss:
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


def _modern_init(legacy: LegacyGBObject, loss: BaseLoss) -> DummyClassifier | str:
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
