"""Measurements behind the service's choices (``python -m revert_risk_tools.bench``).

1. Feature extraction per revision (two wikitext parses: the revision and its parent) for
   articles of 10-30 KB, which decides whether the process pool is worth offering.
2. The gradient-boosting libraries on the same training data and comparable settings
   (the service's 300 trees, learning rate 0.05, depth 6 / at most 63 leaves): installed
   size with dependencies, import time, model file size in the library's own format, load
   time, single-row predict latency (what one request costs) and a batch of 20 rows (the
   batch limit). A library that is not installed is skipped.

The numbers are medians of repeated runs (and, for the CPU-bound parts, the best run,
which other load on the machine disturbs least); they are written into the service README.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.resources
import json
import re
import subprocess
import sys
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from revert_risk.features import FEATURE_NAMES, extract_features

from .synthetic import make_example
from .train import NUM_BOOST_ROUND, PARAMS, TRAINING_EXAMPLES, TRAINING_SEED, auc, build_matrix

TREES = NUM_BOOST_ROUND
LEARNING_RATE = PARAMS["learning_rate"]


def _times_ms(fn: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    return statistics.median(_times_ms(fn, repeat))


def _best_ms(fn: Callable[[], Any], repeat: int) -> float:
    """The fastest run: the CPU cost itself, least disturbed by other load."""
    return min(_times_ms(fn, repeat))


def extraction_times(repeat: int = 20) -> list[dict[str, float]]:
    """Feature extraction cost per revision of articles of about 10, 15, 20 and 30 KB."""
    rng = random.Random(5)
    rows = []
    for sections in (8, 12, 16, 24):
        example = make_example(rng, 1, reverted=False, sections=sections)
        while example.parent is None:
            example = make_example(rng, 1, reverted=False, sections=sections)
        docs = (example.revision, example.parent, example.user, example.page_creation)
        rows.append(
            {
                "revision_kb": round(example.revision["size"] / 1024, 1),
                "ms": round(_median_ms(lambda: extract_features(*docs), repeat), 2),
                "best_ms": round(_best_ms(lambda: extract_features(*docs), repeat), 2),
            }
        )
    return rows


def real_article_times(repeat: int = 20) -> list[dict[str, Any]]:
    """Feature extraction on the real article texts the embedded wiki ships (if installed):
    each article edited by removing its last paragraph, and the three largest joined."""
    try:
        folder = importlib.resources.files("inference_testing.embedded_wiki")
        texts = {
            entry.name.removesuffix(".wikitext"): entry.read_text(encoding="utf-8")
            for entry in folder.iterdir()
            if entry.name.endswith(".wikitext")
        }
    except (ModuleNotFoundError, FileNotFoundError):
        return []
    if len(texts) >= 3:
        texts["three_largest_joined"] = "\n\n".join(sorted(texts.values(), key=len)[-3:])
    rows = []
    for name, text in sorted(texts.items()):
        parent = {"revid": 1, "parentid": 0, "slots": {"main": {"content": text}}}
        edited = text.rsplit("\n\n", 1)[0]
        revision = {
            "revid": 2,
            "parentid": 1,
            "user": "192.0.2.1",
            "anon": True,
            "timestamp": "2024-05-01T10:00:00Z",
            "comment": "",
            "slots": {"main": {"content": edited}},
            "page": {"pageid": 1, "ns": 0, "title": name},
        }
        docs = (revision, parent, None, {"timestamp": "2020-01-01T00:00:00Z"})
        rows.append(
            {
                "article": name,
                "revision_kb": round(len(edited.encode()) / 1024, 1),
                "ms": round(_median_ms(lambda: extract_features(*docs), repeat), 2),
                "best_ms": round(_best_ms(lambda: extract_features(*docs), repeat), 2),
            }
        )
    return rows


# -- one adapter per library: train, save, load, predict P(reverted) ----------------


def _lightgbm() -> dict[str, Callable[..., Any]]:
    import lightgbm

    def train(x: np.ndarray, y: np.ndarray) -> Any:
        return lightgbm.train(PARAMS, lightgbm.Dataset(x, y), num_boost_round=TREES)

    return {
        "ext": "txt",
        "train": train,
        "save": lambda model, path: model.save_model(str(path)),
        "load": lambda path: lightgbm.Booster(model_file=str(path)),
        "predict": lambda model, x: model.predict(x, num_threads=1),
    }


def _xgboost() -> dict[str, Callable[..., Any]]:
    import xgboost

    def train(x: np.ndarray, y: np.ndarray) -> Any:
        params = {
            "objective": "binary:logistic",
            "eta": LEARNING_RATE,
            "max_depth": 6,
            "seed": 1,
            "nthread": 1,
            "tree_method": "hist",
        }
        return xgboost.train(params, xgboost.DMatrix(x, y), num_boost_round=TREES)

    def load(path: Path) -> Any:
        booster = xgboost.Booster(model_file=str(path))
        booster.set_param({"nthread": 1})
        return booster

    return {
        "ext": "ubj",
        "train": train,
        "save": lambda model, path: model.save_model(str(path)),
        "load": load,
        "predict": lambda model, x: model.inplace_predict(x),
    }


def _catboost() -> dict[str, Callable[..., Any]]:
    import catboost

    def train(x: np.ndarray, y: np.ndarray) -> Any:
        model = catboost.CatBoostClassifier(
            iterations=TREES,
            learning_rate=LEARNING_RATE,
            depth=6,
            random_seed=1,
            thread_count=1,
            verbose=False,
            allow_writing_files=False,
        )
        return model.fit(x, y)

    def load(path: Path) -> Any:
        model = catboost.CatBoostClassifier()
        model.load_model(str(path))
        return model

    return {
        "ext": "cbm",
        "train": train,
        "save": lambda model, path: model.save_model(str(path)),
        "load": load,
        "predict": lambda model, x: model.predict_proba(x, thread_count=1)[:, 1],
    }


LIBRARIES = {"lightgbm": _lightgbm, "xgboost-cpu": _xgboost, "catboost": _catboost}
MODULES = {"lightgbm": "lightgbm", "xgboost-cpu": "xgboost", "catboost": "catboost"}


def import_seconds(module: str) -> float:
    """Seconds a fresh interpreter takes to import ``module`` (part of a server's start)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(3)
    ]
    return statistics.median(times)


def installed_mb(name: str, seen: set[str] | None = None) -> float:
    """Disk size of an installed distribution and everything it requires (recursively,
    extras excluded), each counted once: what the library adds to an image."""
    seen = set() if seen is None else seen
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        return 0.0
    seen.add(key)
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return 0.0
    total = sum((file.size or 0) for file in dist.files or ()) / 1e6
    for requirement in dist.requires or ():
        if "extra ==" in requirement:
            continue
        total += installed_mb(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0], seen)
    return total


def compare_libraries(repeat: int = 200) -> list[dict[str, Any]]:
    x, y = build_matrix(TRAINING_EXAMPLES, TRAINING_SEED)
    x_test, y_test = build_matrix(600, TRAINING_SEED + 1)
    one = x_test[:1]
    twenty = x_test[:20]
    results = []
    for name, adapter_factory in LIBRARIES.items():
        try:
            adapter = adapter_factory()
        except ImportError:
            continue
        started = time.perf_counter()
        model = adapter["train"](x, y)
        train_s = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"model.{adapter['ext']}"
            adapter["save"](model, path)
            size = path.stat().st_size
            load_ms = _median_ms(lambda: adapter["load"](path), 20)
            loaded = adapter["load"](path)
        adapter["predict"](loaded, one)  # warm up
        results.append(
            {
                "library": name,
                "version": importlib.metadata.version(name),
                "installed_mb": round(installed_mb(name), 1),
                "import_s": round(import_seconds(MODULES[name]), 2),
                "train_s": round(train_s, 2),
                "model_kb": round(size / 1024, 1),
                "load_ms": round(load_ms, 2),
                "predict_1_ms": round(
                    _median_ms(lambda: adapter["predict"](loaded, one), repeat), 3
                ),
                "predict_1_best_ms": round(
                    _best_ms(lambda: adapter["predict"](loaded, one), repeat), 3
                ),
                "predict_20_ms": round(
                    _median_ms(lambda: adapter["predict"](loaded, twenty), repeat), 3
                ),
                "test_auc": round(auc(y_test, np.asarray(adapter["predict"](loaded, x_test))), 4),
            }
        )
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-libraries", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps({"features": len(FEATURE_NAMES)}))
    for row in extraction_times():
        print(json.dumps({"extract_features": row}))
    for row in real_article_times():
        print(json.dumps({"extract_features_real_article": row}))
    if not args.skip_libraries:
        for row in compare_libraries():
            print(json.dumps(row))


if __name__ == "__main__":
    main()
