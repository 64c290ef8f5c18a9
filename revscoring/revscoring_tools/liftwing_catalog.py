"""The Lift Wing catalogue check: every revscoring model Lift Wing serves, built from its
wiki's real production feature list, served by the real server, scoring a real revision.

``python -m revscoring_tools.liftwing_catalog --out DIR [--only NAME,...] [--markdown FILE]``

For each of the 110 (wiki, model type) pairs Lift Wing serves
(:data:`.liftwing_models.LIFT_WING_MODELS`) it

1. trains a small model on the production feature list of that wiki
   (``<package>.feature_lists.<dbname>.<list>``, the list Lift Wing's binaries were built
   from) exactly as the demo tool trains the enwiki demo models (:mod:`.demo.training`:
   the demo datasets as MediaWiki API documents, revscoring's extractor, GradientBoosting),
   with fewer observations and trees; topic lists get the demo word vectors under their
   production file names (:mod:`.demo.vectors`);
2. starts ``python -m revscoring_server`` with ``INFERENCE_NAME`` = the Lift Wing name
   (``{wiki}wiki-{type}``: ``eswikibookswiki-goodfaith``, ``translatewiki-reverted``,
   ``wikidatawiki-itemquality``), ``MODEL_PATH``, ``WORD2VEC_DIR`` and ``WIKI_URL`` of the
   embedded MediaWiki, one process per model (so load time and RSS are the model's own);
3. scores one revision of the embedded wiki and records the server's own load time (its
   ``loaded ... in S s; dictionaries: ...`` log line), the process RSS after the score,
   the score, or exactly why the pair could not be served;

and writes the table as Markdown (``revscoring/CATALOG.md``). Models are cached under
``DIR`` by fingerprint, like the demo models.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx

from inference_testing.embedded_wiki import EmbeddedWiki
from inference_testing.harness import serving
from revscoring_server.model_types import check_output, model_type_named
from revscoring_server.scoring import WIKIBASE_REPOSITORIES
from revscoring_tools.demo import catalog as demo_catalog
from revscoring_tools.demo import features, training
from revscoring_tools.demo.catalog import DemoModel
from revscoring_tools.liftwing_models import LIFT_WING_MODELS, LiftWingModel, by_name

SERVICE_DIR = Path(__file__).resolve().parents[1]

# -- the models ------------------------------------------------------------------------------

ESTIMATORS = 30


def observations(base: DemoModel) -> int:
    """Fewer observations than the demo models (edits 100, quality 60), except for the
    topic models, which need every topic label in the training and test parts."""
    if base.model_type.multilabel:
        return base.observations
    return 100 if base.dataset.endswith("-edits") else 60


def demo_for(entry: LiftWingModel) -> DemoModel:
    """How to train ``entry``: the enwiki demo model of its type (dataset, labels, seed;
    Wikidata's edit types: edits of items), with the entry's wiki, its production feature
    list, fewer observations and 30 trees."""
    type_name = entry.model_type
    base = demo_catalog.demo_model(
        ("wikidatawiki-" if type_name.startswith("item") else "enwiki-") + type_name
    )
    wiki = entry.name.rpartition("-")[0]
    if wiki in WIKIBASE_REPOSITORIES and base.dataset == "enwiki-edits":
        base = dataclasses.replace(base, dataset="wikidatawiki-edits")  # edits of items
    return dataclasses.replace(
        base,
        wiki=wiki,
        model_type=model_type_named(type_name),
        feature_source=entry.feature_list,
        dropped=dropped_note(entry),
        observations=observations(base),
        estimator_params=MappingProxyType({**base.estimator_params, "n_estimators": ESTIMATORS}),
    )


def dropped_note(entry: LiftWingModel) -> str:
    """Which features of the production list the model leaves out, and why ("" if none:
    every list but enwiki draftquality's)."""
    dropped = features.dropped_features(entry.feature_list)
    if not dropped:
        return ""
    total = len(features.production_list(entry.feature_list))
    return (
        f"{total - len(dropped)} of its {total} features: not the {len(dropped)} "
        f"{', '.join(dropped)} ({features.DROPPED_REASON})"
    )


def fingerprint(demo: DemoModel) -> str:
    """The demo tool's fingerprint plus everything :func:`demo_for` set (the report and
    serving code of this module do not retrain the models)."""
    digest = hashlib.sha256(training.fingerprint().encode())
    digest.update(repr(demo).encode())
    return digest.hexdigest()


@dataclass
class Trained:
    entry: LiftWingModel
    path: Path | None
    seconds: float
    error: str = ""
    dropped: str = ""  # DemoModel.dropped: features of the production list left out


def train_all(out_dir: Path, entries: Iterable[LiftWingModel]) -> list[Trained]:
    """Train (or reuse) a model for each entry; a failure is recorded, not raised."""
    corpus = training.Corpus()
    results = []
    for entry in entries:
        start = time.perf_counter()
        model_dir = out_dir / entry.name
        try:
            demo = demo_for(entry)
            training.write_vectors(out_dir / training.VECTORS_DIR, [demo])
            stamp = fingerprint(demo)
            if not training.is_current(model_dir, stamp):
                training.train_and_write(demo, corpus, out_dir, stamp)
            path = model_dir / training.MODEL_FILE
            results.append(Trained(entry, path, _since(start), dropped=demo.dropped))
        except Exception as error:  # reported in the table
            message = " ".join(f"{type(error).__name__}: {error}".split())[:300]
            results.append(Trained(entry, None, _since(start), f"cannot train: {message}"))
    return results


def _since(start: float) -> float:
    return time.perf_counter() - start


# -- serving -------------------------------------------------------------------------------

_LOADED = re.compile(r"loaded (\S+) from \S+ in ([0-9.]+) s; dictionaries: (.*)$", re.M)


def revision_role(entry: LiftWingModel) -> str:
    """Which revision of the embedded wiki (its seed's ``revisions`` role) to score."""
    if entry.wiki == "wikidata":
        return "item"
    if entry.model_type in ("draftquality", "drafttopic"):
        return "page_creation"
    return {"de": "de_article", "nl": "nl_article"}.get(entry.wiki, "good_edit")


@dataclass
class Result:
    entry: LiftWingModel
    ok: bool
    load_seconds: float | None = None
    start_seconds: float | None = None
    rss_mib: float | None = None
    dictionaries: str = ""
    rev_id: int | None = None
    score: str = ""
    error: str = ""
    dropped: str = ""  # Trained.dropped
    answer: dict[str, Any] | None = None  # the server's whole score (ORES "score" object)


def _rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _short_score(type_name: str, score: dict[str, Any]) -> str:
    prediction = score["prediction"]
    probability = score["probability"]
    if isinstance(prediction, list):
        top = sorted(probability.items(), key=lambda kv: -kv[1])[:2]
        shown = ", ".join(f"{label} {p:.2f}" for label, p in top)
        return f"{len(prediction)} topics; top: {shown}"
    key = str(prediction).lower() if isinstance(prediction, bool) else str(prediction)
    return f"{key} ({probability[key]:.2f})"


def serve_and_score(
    trained: Trained, out_dir: Path, wiki_url: str, seed: dict[str, Any], nltk_data: str | None
) -> Result:
    """Serve the trained model with the real entry point under its Lift Wing name and
    score one revision of the embedded wiki."""
    entry = trained.entry
    if trained.path is None:
        return Result(entry, False, error=trained.error, dropped=trained.dropped)
    rev_id = int(seed["revisions"][revision_role(entry)])
    settings: dict[str, Any] = {
        "inference_name": entry.name,
        "model_path": trained.path,
        "word2vec_dir": out_dir / training.VECTORS_DIR,
        "wiki_url": wiki_url,
        "http_retries": 0,
    }
    if nltk_data:
        settings["nltk_data"] = nltk_data
    start = time.perf_counter()
    log = ""
    try:
        with serving(
            "revscoring_server",
            SERVICE_DIR,
            ready_path=f"/v1/models/{entry.name}",
            timeout=180,
            **settings,
        ) as server:
            started = _since(start)
            response = httpx.post(
                f"{server.url}/v1/models/{entry.name}:predict", json={"rev_id": rev_id}, timeout=120
            )
            rss = _rss_mib(server.process.pid)
            log = server.output()
    except AssertionError as error:  # did not start: its one-line reason
        reason = str(error).split(": ", 1)[-1].strip().splitlines()
        first = next((line for line in reason if "error" in line), reason[0] if reason else "")
        error = f"not served: {first[:400]}"
        return Result(entry, False, rev_id=rev_id, error=error, dropped=trained.dropped)
    loaded = _LOADED.search(log)
    result = Result(
        entry,
        False,
        load_seconds=float(loaded.group(2)) if loaded else None,
        start_seconds=started,
        rss_mib=rss,
        dictionaries=loaded.group(3).strip() if loaded else "?",
        rev_id=rev_id,
        dropped=trained.dropped,
    )
    if response.status_code != 200:
        body = response.json().get("error", {}) if response.content else {}
        result.error = (
            f"HTTP {response.status_code} {body.get('type', '')}: {body.get('message', '')}"
        )[:400]
        return result
    body = response.json()
    try:  # ORES shape: {wiki: {"scores": {rev_id: {kind: {"score": ...}}}}}, one wiki
        (answer,) = body.values()
        score = answer["scores"][str(rev_id)][entry.model_type]["score"]
        check_output(model_type_named(entry.model_type), score)
    except (ValueError, KeyError, TypeError) as error:
        result.error = f"unexpected answer ({type(error).__name__}: {error}): {body}"[:400]
        return result
    result.ok = True
    result.score = _short_score(entry.model_type, score)
    result.answer = score
    return result


# -- the report ------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(results: Sequence[Result], seconds: float, command: str, jobs: int = 1) -> str:
    """``CATALOG.md``."""
    served = sum(r.ok for r in results)
    reduced = [f"`{r.entry.name}`" for r in results if r.ok and r.dropped]
    on_reduced = f"; {len(reduced)} on a reduced list: {', '.join(reduced)}" if reduced else ""
    lines = [
        "# Lift Wing revscoring catalogue check",
        "",
        f"Written by `{command}` ({served} of {len(results)} pairs served and scored{on_reduced}, "
        f"{seconds / 60:.1f} min). For each (wiki, model type) pair Lift Wing serves: a small "
        "model trained by the demo tool on that wiki's production feature list, served by "
        "`python -m revscoring_server` under its Lift Wing name (one process per model, "
        f"{jobs} at a time), "
        "scoring one revision of the embedded MediaWiki (English text unless the wiki is de, "
        "nl or Wikidata). Load: the server's own time to load the model file (including "
        "importing the feature list, dictionaries and word vectors); RSS: the whole server "
        "process after the score. Scores are of demo models, not production ones. See "
        "`revscoring_tools/liftwing_catalog.py`.",
        "",
        "| name | feature list | dictionaries (provider) | load s | RSS MiB | rev | score |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        load = f"{r.load_seconds:.2f}" if r.load_seconds is not None else "-"
        rss = f"{r.rss_mib:.0f}" if r.rss_mib is not None else "-"
        rev = str(r.rev_id) if r.rev_id is not None else "-"
        outcome = r.score if r.ok else f"**FAILED**: {r.error}"
        source = f"`{r.entry.feature_list}`" + (f" ({r.dropped})" if r.dropped else "")
        lines.append(
            f"| `{r.entry.name}` | {_cell(source)} | {_cell(r.dictionaries or '-')} | "
            f"{load} | {rss} | {rev} | {_cell(outcome)} |"
        )
    failed = [r for r in results if not r.ok]
    if failed:
        lines += ["", f"{len(failed)} pairs not served here; the reasons are in the table."]
    return "\n".join(lines) + "\n"


# -- command line --------------------------------------------------------------------------


def select(only: Sequence[str] | None) -> list[LiftWingModel]:
    if not only:
        return list(LIFT_WING_MODELS)
    try:
        return by_name(list(only))
    except KeyError as error:
        raise SystemExit(error.args[0]) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m revscoring_tools.liftwing_catalog", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", required=True, type=Path, help="directory for the models")
    parser.add_argument("--only", help="comma-separated Lift Wing names (default: all 110)")
    parser.add_argument("--markdown", type=Path, help="write the table here (CATALOG.md)")
    parser.add_argument("--nltk-data", help="NLTK_DATA for the servers")
    parser.add_argument(
        "--jobs", type=int, default=2, help="servers checked at a time (default: 2)"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    entries = select([n.strip() for n in args.only.split(",")] if args.only else None)
    trained = train_all(args.out, entries)
    print(f"trained {sum(t.path is not None for t in trained)}/{len(trained)} models "
          f"in {_since(start):.0f}s", flush=True)  # fmt: skip
    nltk_data = args.nltk_data or os.environ.get("NLTK_DATA")
    with tempfile.TemporaryDirectory(prefix="catalog-wiki-") as scratch:
        wiki = EmbeddedWiki.launch(Path(scratch) / "wiki")
        try:

            def check(item: Trained) -> Result:
                result = serve_and_score(item, args.out, wiki.base_url, wiki.seed, nltk_data)
                status = result.score if result.ok else "FAILED " + result.error
                print(f"{item.entry.name:32} {status}", flush=True)
                return result

            # one server process per model, --jobs of them at a time (each its own port)
            with ThreadPoolExecutor(args.jobs) as executor:
                results = list(executor.map(check, trained))
        finally:
            wiki.stop()
    seconds = _since(start)
    if args.markdown:
        command = "make catalog" if not args.only else "python -m revscoring_tools.liftwing_catalog"
        # keep the sections other tools add after the table (`make catalog-server`'s)
        current = args.markdown.read_text() if args.markdown.exists() else ""
        kept = current[current.find("\n## ") :] if "\n## " in current else ""
        args.markdown.write_text(markdown(results, seconds, command, args.jobs) + kept)
    print(f"{sum(r.ok for r in results)}/{len(results)} served and scored in {seconds:.0f}s")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
