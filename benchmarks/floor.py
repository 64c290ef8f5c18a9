"""The CPU floor of revscoring scoring: feature extraction + ``model.score`` alone.

Run with the revscoring server's interpreter (the harness does it, from ``revscoring/``)::

    python benchmarks/floor.py --corpus C.json --model enwiki-damaging=DIR/model.bin \\
        --rev-ids 1,2,3 [--duration 20 --start-at UNIX_TIME] --out result.json

It builds, for each revision, the same :class:`EditContext` the server would build from
the replay server's answers (the corpus documents with the server's ``rvprop``/``usprop``
and the ``page`` fields the shared client adds), then times
``scoring.score_revision(models, docs, False)`` (what the server runs in its thread or pool
worker) in this one process. Without ``--duration`` each revision is scored once and each
time is reported; with it the list is scored round and round from ``--start-at`` (so two
processes run side by side: each says READY on stdout once loaded and starts when a
line arrives on stdin) and the revisions finished in the window are counted.
The models load as the server loads them by default (``FAST_FEATURES`` on, without the
store of kept values: each revision is extracted in full); ``--stock`` measures revscoring's
own extraction. ``fast_floor.py`` compares the two side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "revscoring"))

from corpus import Corpus  # noqa: E402


def build_docs(corpus: Corpus, rev_id: int, needs):  # type: ignore[no-untyped-def]
    from inference_common.documents import EditContext
    from revscoring_server.revision_docs import PAGE_CREATION_PROPS, REVISION_PROPS, USER_PROPS

    rev_props = set(REVISION_PROPS.split("|"))
    rev = corpus.revisions[rev_id]
    page = corpus.page_fields(rev["pageid"])
    doc = {**corpus.revision_doc(rev_id, rev_props, True), "page": page}
    parent = user = creation = None
    if needs.parent and rev["parentid"]:
        parent = {**corpus.revision_doc(rev["parentid"], rev_props, True), "page": page}
    if needs.user_info and rev["userid"]:
        user = corpus.user_doc(rev["user"], set(USER_PROPS.split("|")))
    if needs.page_creation and rev["parentid"]:
        first = corpus.first_rev_id(rev["pageid"])
        creation = {
            **corpus.revision_doc(first, set(PAGE_CREATION_PROPS.split("|")), False),
            "page": page,
        }
    return EditContext(revision=doc, parent=parent, user=user, page_creation=creation)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--model", action="append", required=True, help="NAME=PATH")
    parser.add_argument("--rev-ids", required=True)
    parser.add_argument("--duration", type=float)
    parser.add_argument("--start-at", type=float)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--stock",
        action="store_true",
        help="revscoring's stock extraction (FAST_FEATURES=false); default: as served",
    )
    args = parser.parse_args()

    from revscoring_server.fetch import union_needs
    from revscoring_server.scoring import load_served_model, score_revision

    models = []
    for spec in args.model:
        name, _, path = spec.partition("=")
        models.append(load_served_model(name, Path(path), fast_features=not args.stock))
    needs = union_needs(m.model_type.needs for m in models)
    corpus = Corpus.load(args.corpus)
    rev_ids = [int(x) for x in args.rev_ids.split(",")]
    docs = {rev_id: build_docs(corpus, rev_id, needs) for rev_id in rev_ids}

    for rev_id in rev_ids[-args.warmup :]:  # warm caches (imports, dictionaries)
        result = score_revision(models, docs[rev_id], False)
        for value in result.values():
            if not isinstance(value, dict):
                raise SystemExit(f"revision {rev_id} did not score: {value!r}")

    out: dict = {"models": [m.name for m in models]}
    cpu0 = time.process_time()
    if args.duration is None:
        times = []
        for rev_id in rev_ids:
            started = time.perf_counter()
            score_revision(models, docs[rev_id], False)
            times.append([rev_id, time.perf_counter() - started])
        out["times"] = times
    else:
        if args.start_at:
            while time.time() < args.start_at:
                time.sleep(0.001)
        else:  # the harness starts every process at once: READY, then wait for a line
            print("READY", flush=True)
            sys.stdin.readline()
        stop = time.perf_counter() + args.duration
        count = 0
        index = 0
        while True:
            score_revision(models, docs[rev_ids[index % len(rev_ids)]], False)
            index += 1
            if time.perf_counter() > stop:
                break
            count += 1
        out["count"] = count
        out["duration"] = args.duration
    out["cpu"] = time.process_time() - cpu0
    args.out.write_text(json.dumps(out))


if __name__ == "__main__":
    main()
