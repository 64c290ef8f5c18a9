"""Stock vs fast feature extraction, side by side: CPU per scored edit (the floor).

Run with the revscoring server's interpreter from the repository root::

    NLTK_DATA=../shared/nltk_data revscoring/.venv/bin/python benchmarks/fast_floor.py \\
        [--model enwiki-damaging=PATH] [--out benchmarks/.cache/fast_floor.json]

Each configuration runs in a fresh process (so no memo or kept value crosses from one to
the next) and times ``scoring.score_revision`` over the benchmark corpus's 200 edits with
the process CPU clock (robust to other load on the machine), after a warm-up on three of
the measured revisions (with a store of kept values that is then dropped):

* ``random``: the edits in a seeded random order; ``stream``: in time order (each page's
  edits in order, pages interleaved as their edits happened);
* ``stock``: ``FAST_FEATURES=false``; ``fast``: the fast implementations plus the
  cross-request store of text-derived values (default size); ``fast-no-reuse`` (random
  order only): the fast implementations alone, every text extracted in full;
* ``batch``: the ORES batch shape, ``damaging|goodfaith`` for 50 revisions (random).

English dictionaries must be hunspell, as in production: importing ``revscoring_server`` puts
the service's Enchant configuration in force (:mod:`revscoring_server.spelling`), and every
child checks ``enchant.Dict("en_US").provider.name == "hunspell"`` and reports it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "revscoring"))

DEMO_DIR = REPO / "revscoring" / ".cache" / "demo-models"


def child(args: argparse.Namespace) -> None:
    import revscoring_server  # noqa: F401 - production's dictionaries, before pyenchant loads
    import enchant

    from corpus import Corpus
    from floor import build_docs
    from revscoring_server.fast_features import TextReuse
    from revscoring_server.fetch import union_needs
    from revscoring_server.scoring import load_served_model, score_revision
    from revscoring_server.settings import RevscoringSettings

    provider = enchant.Dict("en_US").provider.name
    if provider != "hunspell":
        raise SystemExit(f"en_US opens with {provider}, not hunspell")
    fast = args.mode != "stock"
    keep = args.mode == "fast"
    models = []
    for spec in args.model:
        name, _, path = spec.partition("=")
        models.append(load_served_model(name, Path(path), fast_features=fast))
    corpus = Corpus.load(args.corpus)
    needs = union_needs(m.model_type.needs for m in models)
    rev_ids = corpus.scored_rev_ids()
    if args.order == "stream":
        rev_ids = sorted(rev_ids, key=lambda r: corpus.revisions[r]["timestamp"])
    else:
        random.Random(args.seed).shuffle(rev_ids)
    rev_ids = rev_ids[: args.limit]
    docs = {r: build_docs(corpus, r, needs) for r in rev_ids}
    reuse_bytes = RevscoringSettings().fast_features_reuse_bytes
    # warm-up (imports, dictionaries, memo of common words) on the last revisions, then a
    # fresh store: the measured run keeps only what it scored itself
    for rev_id in rev_ids[-3:]:
        score_revision(models, docs[rev_id], False, TextReuse(reuse_bytes) if keep else None)
    reuse = TextReuse(reuse_bytes) if keep else None
    started = time.process_time()
    for rev_id in rev_ids:
        result = score_revision(models, docs[rev_id], False, reuse)
        for value in result.values():
            if not isinstance(value, dict):
                raise SystemExit(f"revision {rev_id} did not score: {value!r}")
    cpu = time.process_time() - started
    out = {
        "mode": args.mode,
        "order": args.order,
        "models": [m.name for m in models],
        "edits": len(rev_ids),
        "cpu_s": cpu,
        "cpu_ms_per_edit": 1000 * cpu / len(rev_ids),
        "provider_en_US": provider,
        "dictionaries": {m.name: dict(m.loaded.dictionaries) for m in models},
        "substitutions": {m.name: dict(m.loaded.fast_substitutions) for m in models},
        "reuse": (
            None
            if reuse is None
            else {"hits": reuse.hits, "misses": reuse.misses, "bytes": reuse.size_bytes}
        ),
    }
    print(json.dumps(out))


def run_child(base: list[str], env: dict[str, str], **options: object) -> dict:
    argv = list(base)
    for key, value in options.items():
        if isinstance(value, list):
            for item in value:
                argv += [f"--{key}", str(item)]
        else:
            argv += [f"--{key}", str(value)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", help="NAME=PATH (default: demo models)")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--mode", choices=["stock", "fast", "fast-no-reuse"])
    parser.add_argument("--order", choices=["random", "stream"], default="random")
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=HERE / ".cache" / "fast_floor.json")
    args = parser.parse_args()
    if args.mode:
        child(args)
        return

    from corpus import load_or_generate

    _, corpus_path = load_or_generate(HERE / ".cache")
    if args.model:
        single = args.model
        batch = None
    else:
        sys.path.insert(0, str(REPO / "revscoring"))
        from revscoring_tools.demo import ensure_demo_models

        demo = ensure_demo_models(DEMO_DIR, only=["enwiki-damaging", "enwiki-goodfaith"])
        single = [f"enwiki-damaging={demo['enwiki-damaging']}"]
        batch = single + [f"enwiki-goodfaith={demo['enwiki-goodfaith']}"]
    env = dict(os.environ)
    base = [sys.executable, __file__, "--corpus", str(corpus_path)]
    results = []
    scenarios = [("random", single, 200), ("stream", single, 200)]
    if batch:
        scenarios.append(("batch", batch, 50))
    for scenario, models, limit in scenarios:
        order = "stream" if scenario == "stream" else "random"
        pair = {}
        modes = ("stock", "fast-no-reuse", "fast") if scenario == "random" else ("stock", "fast")
        for mode in modes:
            pair[mode] = run_child(
                base, env, model=models, mode=mode, order=order, limit=limit, seed=args.seed
            )
            print(
                f"{scenario:6} {mode:13} {pair[mode]['cpu_ms_per_edit']:7.1f} ms CPU per edit "
                f"({pair[mode]['edits']} edits, en_US: {pair[mode]['provider_en_US']})",
                flush=True,
            )
        ratio = pair["fast"]["cpu_s"] / pair["stock"]["cpu_s"]
        print(f"{scenario:6} fast/stock = {ratio:.3f}", flush=True)
        if "fast-no-reuse" in pair:
            alone = pair["fast-no-reuse"]["cpu_s"] / pair["stock"]["cpu_s"]
            print(f"{scenario:6} fast-no-reuse/stock = {alone:.3f}", flush=True)
        results.append({"scenario": scenario, "ratio": ratio, **pair})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
