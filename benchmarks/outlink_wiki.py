"""The outlink one-process server with a real MediaWiki in the path: code trees side by side.

Run from the repository root with the outlink service's interpreter, the shared package on
``PYTHONPATH``::

    mkdir -p ../before && git archive <commit> | tar -x -C ../before   # the tree to compare
    PYTHONPATH=python/src .venv/outlink/bin/python benchmarks/outlink_wiki.py \\
        --shape before=../before --shape after=. [--rounds 2] [--duration 15]

It starts the embedded MediaWiki (``inference_testing.embedded_wiki``, ``php -S`` with 4
workers) on a free port, trains the test model once, then for each round and each shape
starts ``python -m outlink_one_process`` from that tree (its own packages first on
``PYTHONPATH``) and drives it closed-loop over every main-namespace page of the wiki, at
c=1 and c=16. For each run: requests/s, p50/p99, CPU per request of the server's process
tree and of the wiki's (PHP) process tree, and Action API calls per request (counted in
the wiki's request log). Every shape's answers to every page are compared byte for byte
with the first shape's. Writes JSON to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loadgen  # noqa: E402
from procs import Server, free_port  # noqa: E402

from inference_testing.embedded_wiki import EmbeddedWiki  # noqa: E402

PATH = "/v1/models/outlink-topic-model:predict"


def wiki_titles(wiki: EmbeddedWiki) -> list[str]:
    query = urllib.parse.urlencode(
        {
            "action": "query",
            "list": "allpages",
            "apnamespace": 0,
            "apfilterredir": "nonredirects",
            "aplimit": "max",
            "format": "json",
            "formatversion": 2,
        }
    )
    with urllib.request.urlopen(f"{wiki.api_url}?{query}", timeout=30) as response:
        pages = json.load(response)["query"]["allpages"]
    return [page["title"] for page in pages]


def tree_cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for proc in processes:
        try:
            times = proc.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def wiki_processes(wiki: EmbeddedWiki) -> list[psutil.Process]:
    root = psutil.Process(wiki.pid)
    return [root, *root.children(recursive=True)]


def api_calls(wiki: EmbeddedWiki) -> int:
    try:
        return wiki.log_path.read_text(errors="replace").count("/w/api.php")
    except OSError:
        return 0


async def answers(port: int, requests: list[bytes]) -> list[bytes]:
    found = []
    for raw in requests:
        status, body = await loadgen.one_request("127.0.0.1", port, raw)
        found.append(f"{status} ".encode() + body)
    return found


async def measure(
    server: Server, wiki: EmbeddedWiki, requests: list[bytes], concurrency: int, duration: float
) -> dict[str, Any]:
    # a warm-up pass first: every page once (and so, with a cache, every page kept)
    await loadgen.run_load(
        "127.0.0.1", server.port, requests, concurrency=concurrency, duration=2.0
    )
    wiki_procs = wiki_processes(wiki)
    server_cpu, php_cpu, calls = server.cpu(), tree_cpu(wiki_procs), api_calls(wiki)
    result = await loadgen.run_load(
        "127.0.0.1", server.port, requests, concurrency=concurrency, duration=duration
    )
    answered = max(result.answered, 1)
    return {
        "concurrency": concurrency,
        "rps": result.rps,
        "p50_ms": result.percentile(50) * 1000,
        "p99_ms": result.percentile(99) * 1000,
        "errors": result.errors,
        "server_cpu_ms": (server.cpu() - server_cpu) / answered * 1000,
        "wiki_cpu_ms": (tree_cpu(wiki_processes(wiki)) - php_cpu) / answered * 1000,
        "api_calls": (api_calls(wiki) - calls) / answered,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shape",
        action="append",
        required=True,
        help="label=TREE[,VARIABLE=VALUE...] (settings for that shape's server)",
    )
    parser.add_argument("--python-outlink", default=sys.executable)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--out", type=Path, default=HERE / ".cache" / "outlink_wiki.json")
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    shapes = [
        (label, Path(tree).resolve()) for label, tree in (s.split("=", 1) for s in args.shape)
    ]
    cache = HERE / ".cache"
    model_dir = cache / "models" / "outlink-topic-model"
    first_tree = shapes[0][1] / "outlink-topic-model" / "model-server"
    train = await asyncio.create_subprocess_exec(
        args.python_outlink,
        "-m",
        "outlink_predictor_tools.train",
        "--out",
        str(model_dir),
        cwd=first_tree,
    )
    if await train.wait():
        raise SystemExit("training the outlink model failed")
    with tempfile.TemporaryDirectory(prefix="outlink-wiki-") as scratch:
        wiki = EmbeddedWiki.launch(Path(scratch) / "wiki")
        try:
            titles = wiki_titles(wiki)
            print(f"wiki on port {wiki.port}: {len(titles)} pages", flush=True)
            runs: list[dict[str, Any]] = []
            reference: list[bytes] | None = None
            for round_ in range(args.rounds):
                for label, tree, settings in shapes:
                    base = tree / "outlink-topic-model"
                    port = free_port()
                    paths = ["model-server", "transformer", "one-process"]
                    pythonpath = ":".join(
                        [*(str(base / p) for p in paths), str(tree / "python/src")]
                    )
                    server = Server(
                        f"outlink-wiki-{label}",
                        [args.python_outlink, "-m", "outlink_one_process"],
                        cwd=base,
                        env={
                            "WIKI_URL": wiki.base_url,
                            "MODEL_PATH": str(model_dir / "model.bin"),
                            "PYTHONPATH": pythonpath,
                            "HTTP_PORT": str(port),
                            **settings,
                        },
                        port=port,
                        ready_path="/v1/models/outlink-topic-model",
                        log_dir=cache / "logs",
                    )
                    server.start()
                    try:
                        requests = [
                            loadgen.encode_request(
                                "127.0.0.1", port, "POST", PATH, {"lang": "en", "page_title": t}
                            )
                            for t in titles
                        ]
                        got = await answers(port, requests)
                        if reference is None:
                            reference = got
                        same = got == reference
                        for concurrency in [int(c) for c in args.concurrency.split(",")]:
                            run = await measure(server, wiki, requests, concurrency, args.duration)
                            run.update(shape=label, round=round_, same_answers=same)
                            runs.append(run)
                            print(
                                f"{label:8} round {round_} c={concurrency:<3} "
                                f"{run['rps']:7.1f} req/s  p50 {run['p50_ms']:6.1f} ms  "
                                f"p99 {run['p99_ms']:6.1f} ms  server CPU "
                                f"{run['server_cpu_ms']:5.1f} ms/req  wiki CPU "
                                f"{run['wiki_cpu_ms']:5.1f} ms/req  "
                                f"{run['api_calls']:.2f} API calls/req  errors {run['errors']}  "
                                f"same answers: {same}",
                                flush=True,
                            )
                    finally:
                        server.stop()
        finally:
            wiki.stop()
    summary = {}
    for label, _, _ in shapes:
        for concurrency in {r["concurrency"] for r in runs}:
            mine = [r for r in runs if r["shape"] == label and r["concurrency"] == concurrency]
            summary[f"{label} c={concurrency}"] = {
                key: statistics.median(r[key] for r in mine)
                for key in ("rps", "p50_ms", "p99_ms", "server_cpu_ms", "wiki_cpu_ms", "api_calls")
            }
    for key, values in summary.items():
        print(key, {k: round(v, 2) for k, v in values.items()})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "runs": runs,
                "summary": summary,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
