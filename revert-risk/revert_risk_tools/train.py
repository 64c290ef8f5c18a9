"""Train the revert-risk model on the project's synthetic edits.

    python -m revert_risk_tools.train --out DIR [--examples N] [--seed S] [--force]

writes ``DIR/model.txt`` (LightGBM's text format) and ``DIR/metadata.json`` (model version,
library, feature names, training date, parameters, data and held-out evaluation).

Training is deterministic: the same code, library version, examples and seed give the same
model file. :func:`ensure_model` uses that: the metadata records a hash of everything that
determines the model (``cache_key``), and a directory whose model already has the wanted
hash is reused instead of retrained (tests call it on every run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np

from revert_risk import features
from revert_risk.classifier import LIBRARY, METADATA_FILE, MODEL_FILE
from revert_risk.features import FEATURE_NAMES, extract_features, feature_row

from . import synthetic
from .synthetic import make_dataset

TRAINING_EXAMPLES = 3000
TRAINING_SEED = 20240601
HOLDOUT_EXAMPLES = 600  # at most; a fifth of the training examples, at least 100
NUM_BOOST_ROUND = 300
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 63,
    "max_depth": 6,
    "min_data_in_leaf": 20,
    "seed": 1,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbosity": -1,
}
VERSION_PREFIX = "0.1.0"


def build_matrix(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels (1 = reverted) of ``n`` synthetic edits from ``seed``."""
    examples = make_dataset(n, seed)
    rows = [
        feature_row(extract_features(e.revision, e.parent, e.user, e.page_creation))
        for e in examples
    ]
    labels = [int(e.reverted) for e in examples]
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney; ties broken by order, fine for a report)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    positive = labels == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def cache_key(examples: int, seed: int) -> str:
    """A hash of everything that determines the trained model."""
    digest = hashlib.sha256()
    for module in (features, synthetic, sys.modules[__name__]):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(
        json.dumps(
            {
                "library": LIBRARY,
                "library_version": lightgbm.__version__,
                "numpy": np.__version__,
                "params": PARAMS,
                "rounds": NUM_BOOST_ROUND,
                "examples": examples,
                "seed": seed,
                "features": FEATURE_NAMES,
            },
            sort_keys=True,
        ).encode()
    )
    return digest.hexdigest()


def train(
    out: Path, *, examples: int = TRAINING_EXAMPLES, seed: int = TRAINING_SEED
) -> dict[str, Any]:
    """Train, evaluate on held-out edits, and write the model and its metadata to ``out``."""
    x, y = build_matrix(examples, seed)
    booster = lightgbm.train(
        PARAMS,
        lightgbm.Dataset(x, y, feature_name=list(FEATURE_NAMES), free_raw_data=True),
        num_boost_round=NUM_BOOST_ROUND,
    )
    holdout = max(100, min(HOLDOUT_EXAMPLES, examples // 5))
    x_test, y_test = build_matrix(holdout, seed + 1)
    scores = booster.predict(x_test, num_threads=1)
    key = cache_key(examples, seed)
    metadata = {
        "model_name": "revertrisk-language-agnostic",
        "model_version": f"{VERSION_PREFIX}+{key[:8]}",
        "library": LIBRARY,
        "library_version": lightgbm.__version__,
        "feature_names": list(FEATURE_NAMES),
        "trained_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "params": PARAMS,
        "num_boost_round": NUM_BOOST_ROUND,
        "training_data": {
            "generator": "revert_risk_tools.synthetic.make_dataset",
            "examples": examples,
            "seed": seed,
            "reverted_share": float(y.mean()),
        },
        "evaluation": {
            "holdout_examples": holdout,
            "holdout_seed": seed + 1,
            "auc": round(auc(y_test, scores), 4),
            "accuracy_at_0.5": round(float(((scores > 0.5) == (y_test == 1)).mean()), 4),
            "mean_score_reverted": round(float(scores[y_test == 1].mean()), 4),
            "mean_score_kept": round(float(scores[y_test == 0].mean()), 4),
        },
        "cache_key": key,
    }
    out.mkdir(parents=True, exist_ok=True)
    # Write both files beside their final names, then rename: a reader never sees half a
    # model, and the metadata (which ensure_model checks) is renamed last.
    model_tmp = _temporary(out, MODEL_FILE)
    booster.save_model(str(model_tmp))
    os.replace(model_tmp, out / MODEL_FILE)
    metadata_tmp = _temporary(out, METADATA_FILE)
    metadata_tmp.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    os.replace(metadata_tmp, out / METADATA_FILE)
    return metadata


def _temporary(directory: Path, name: str) -> Path:
    handle, path = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
    os.close(handle)
    os.chmod(path, 0o644)  # mkstemp makes it owner-only; servers run as another user
    return Path(path)


def ensure_model(
    out: Path, *, examples: int = TRAINING_EXAMPLES, seed: int = TRAINING_SEED
) -> Path:
    """The path of a model in ``out`` trained with these settings by this code, training it
    only when the directory has none or one with another ``cache_key``."""
    model = out / MODEL_FILE
    try:
        current = json.loads((out / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = {}
    if model.is_file() and isinstance(current, dict):
        if current.get("cache_key") == cache_key(examples, seed):
            return model
    train(out, examples=examples, seed=seed)
    return model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m revert_risk_tools.train", description="Train the revert-risk model."
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument("--examples", type=int, default=TRAINING_EXAMPLES)
    parser.add_argument("--seed", type=int, default=TRAINING_SEED)
    parser.add_argument(
        "--force", action="store_true", help="train even if DIR has this exact model already"
    )
    args = parser.parse_args(argv)
    if args.examples < 100:
        parser.error("--examples must be at least 100")
    if args.force:
        metadata = train(args.out, examples=args.examples, seed=args.seed)
    else:
        ensure_model(args.out, examples=args.examples, seed=args.seed)
        metadata = json.loads((args.out / METADATA_FILE).read_text(encoding="utf-8"))
    print(
        json.dumps(
            {
                "model": str(args.out / MODEL_FILE),
                "model_version": metadata["model_version"],
                "evaluation": metadata["evaluation"],
            }
        )
    )


if __name__ == "__main__":
    main()
