"""The whole Lift Wing catalogue behind ONE revscoring server (``make catalog-server``).

``python -m revscoring_tools.catalog_server start [--measure] [--markdown FILE]``
    trains the catalogue's models that are missing (:mod:`.liftwing_catalog`, cached under
    ``.cache/catalog-models``), starts the embedded wiki if it is not running (the demo's,
    ``../.cache/demo/wiki`` on ``WIKI_PORT``, default 8180), then starts one
    ``python -m revscoring_server`` on ``CATALOG_PORT`` (default 8090) with
    ``MODELS_DIR`` = the catalogue (all 110 Lift Wing names), ``PROCESS_POOL_WORKERS=2``
    and ``POOL_MIN_BYTES=0`` (the workers load the models; the server process holds what
    they said about them), and waits for ``/ready``. With ``--measure``: every model
    scores revisions of the embedded wiki through ``:predict`` under its Lift Wing name
    (a failure is an exit status of 1), ``/v3/scores/`` must list all 110, and it
    reports time to ready, PSS of the whole process tree (``/proc/PID/smaps_rollup``:
    shared pages counted once, split among the processes mapping them) and p50 per model
    type; ``--markdown`` writes that as a section of ``CATALOG.md``. The server keeps
    running until ``stop``.
``python -m revscoring_tools.catalog_server stop``
    stops it (``make stop`` does).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inference_testing.embedded_wiki import EmbeddedWiki
from inference_testing.harness import server_env

if TYPE_CHECKING:  # imported where used: `stop` needs none of them (nor NLTK data)
    from revscoring_tools.liftwing_models import LiftWingModel

SERVICE_DIR = Path(__file__).resolve().parents[1]
ROOT = SERVICE_DIR.parent
MODELS_DIR = SERVICE_DIR / ".cache" / "catalog-models"
STATE = ROOT / ".cache" / "catalog-server"
WIKI_DIR = ROOT / ".cache" / "demo" / "wiki"  # the demo's wiki: one wiki for both
PORT = int(os.environ.get("CATALOG_PORT", "8090"))
WIKI_PORT = int(os.environ.get("WIKI_PORT", "8180"))
WORKERS = 2
REVISIONS_PER_MODEL = 5
SECTION = "## The whole catalogue behind one server"


def _get(url: str, timeout: float = 5) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _post(url: str, body: dict[str, Any], timeout: float = 120) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def ensure_wiki() -> EmbeddedWiki:
    """The demo's embedded wiki, started unless it runs."""
    wiki = EmbeddedWiki.open(WIKI_DIR)
    if wiki.is_running():
        print(f"embedded wiki: running at {wiki.base_url}", flush=True)
        return wiki
    wiki = EmbeddedWiki.from_template(WIKI_DIR, WIKI_PORT)
    wiki.start()
    print(f"embedded wiki: started at {wiki.base_url}", flush=True)
    return wiki


def ensure_models(only: list[str] | None) -> Path:
    """Train the catalogue's missing models; the MODELS_DIR to serve (``only``: a
    directory of links to those models alone, for a smoke run)."""
    from revscoring_tools import liftwing_catalog as lw

    start = time.perf_counter()
    trained = lw.train_all(MODELS_DIR, lw.select(only))
    failed = [t for t in trained if t.path is None]
    for item in failed:
        print(f"{item.entry.name}: {item.error}", file=sys.stderr)
    print(
        f"catalogue models: {len(trained) - len(failed)}/{len(trained)} "
        f"({time.perf_counter() - start:.0f} s)",
        flush=True,
    )
    if not only:
        return MODELS_DIR
    subset = STATE / "models"
    if subset.exists():
        for link in subset.glob("*/model.bin"):
            link.unlink()
            link.parent.rmdir()
    for item in trained:
        if item.path is not None:
            (subset / item.entry.name).mkdir(parents=True)
            (subset / item.entry.name / "model.bin").symlink_to(item.path)
    return subset


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def memory(pid: int) -> dict[str, float]:
    """MiB over the process tree of ``pid``: ``pss`` (each shared page divided among the
    processes mapping it, so the sum counts it once), ``rss`` (shared pages counted in
    every process) and ``uss`` (private pages), and the number of processes."""
    totals = {"pss": 0.0, "rss": 0.0, "uss": 0.0, "processes": 0.0}
    for member in process_tree(pid):
        try:
            text = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        values = {}
        for line in text.splitlines()[1:]:
            key, _, rest = line.partition(":")
            values[key.strip()] = int(rest.split()[0]) / 1024 if rest.split() else 0.0
        totals["pss"] += values.get("Pss", 0.0)
        totals["rss"] += values.get("Rss", 0.0)
        totals["uss"] += values.get("Private_Clean", 0.0) + values.get("Private_Dirty", 0.0)
        totals["processes"] += 1
    return totals


def start_server(wiki_url: str, models_dir: Path) -> tuple[subprocess.Popen[bytes], float]:
    """The one server, in its own session (``stop`` signals the group); the seconds it
    took to answer ``/ready``."""
    from revscoring_tools.demo import training

    STATE.mkdir(parents=True, exist_ok=True)
    env = server_env(
        models_dir=models_dir,
        word2vec_dir=MODELS_DIR / training.VECTORS_DIR,
        wiki_url=wiki_url,
        http_port=PORT,
        process_pool_workers=WORKERS,
        pool_min_bytes=0,
    )
    log = open(STATE / "server.log", "ab")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "revscoring_server"],
        cwd=SERVICE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (STATE / "server.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 1800
    while True:
        try:
            status, _ = _get(f"http://127.0.0.1:{PORT}/ready", timeout=2)
            if status == 200:
                return process, time.perf_counter() - started
        except (urllib.error.URLError, OSError, ValueError):
            pass
        if process.poll() is not None:
            sys.exit(f"the server exited ({process.returncode}); see {STATE / 'server.log'}")
        if time.monotonic() > deadline:
            sys.exit(f"the server was not ready in 30 min; see {STATE / 'server.log'}")
        time.sleep(0.5)


def revisions_for(entry: LiftWingModel, seed: dict[str, Any]) -> list[int]:
    """Revisions of the embedded wiki a model of ``entry`` scores: item revisions for
    Wikidata, else English article revisions (all models here read English text unless
    the wiki is de or nl, as in ``make catalog``)."""
    from revscoring_tools import liftwing_catalog as lw

    revisions = seed["revisions"]
    if entry.wiki == "wikidata":
        items = [rev for item in seed["items"].values() for rev in item["revisions"]]
        return sorted(items)[-REVISIONS_PER_MODEL:]
    role = lw.revision_role(entry)
    unscorable = {revisions["user_hidden"], revisions["text_deleted_revert"]}
    others = [r for r in seed["all_article_revisions"] if r not in unscorable]
    chosen = [int(revisions[role])] + [r for r in others if r != int(revisions[role])]
    return chosen[:REVISIONS_PER_MODEL]


def measure(seed: dict[str, Any], entries: list[LiftWingModel]) -> dict[str, Any]:
    """Every model scores its revisions once (uncached: each (model, revision) is new),
    one request at a time; milliseconds by model type, and what failed."""
    from revscoring_server.model_types import check_output, model_type_named

    by_type: dict[str, list[float]] = {}
    failures = []
    for entry in entries:
        for rev_id in revisions_for(entry, seed):
            start = time.perf_counter()
            status, body = _post(
                f"http://127.0.0.1:{PORT}/v1/models/{entry.name}:predict", {"rev_id": rev_id}
            )
            elapsed = (time.perf_counter() - start) * 1000
            if status != 200:
                failures.append(f"{entry.name} rev {rev_id}: HTTP {status} {body}"[:300])
                continue
            ((_, answer),) = body.items()
            check_output(
                model_type_named(entry.model_type),
                answer["scores"][str(rev_id)][entry.model_type]["score"],
            )
            by_type.setdefault(entry.model_type, []).append(elapsed)
    return {"ms": by_type, "failures": failures}


def section(report: dict[str, Any]) -> str:
    """The CATALOG.md section."""
    lines = [
        SECTION,
        "",
        f"Written by `make catalog-server` on {report['date']} ({report['machine']}). ONE "
        "`python -m revscoring_server` serving all "
        f"{report['loaded']} of {report['total']} Lift Wing names (MODELS_DIR = the "
        f"catalogue above), PROCESS_POOL_WORKERS={WORKERS}, POOL_MIN_BYTES=0: the two "
        "workers load every model, the server process holds what they said about them "
        "(model_info included). Memory is summed over the whole process tree from "
        "`/proc/PID/smaps_rollup`: PSS counts a page shared by n processes as 1/n in each, "
        "so the sum counts it once; RSS counts it in every process.",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| time to ready (start to `/ready` 200) | {report['ready_seconds']:.1f} s |",
        f"| processes | {report['memory_ready']['processes']:.0f} |",
        f"| PSS of the tree, at ready | {report['memory_ready']['pss']:.0f} MiB |",
        f"| PSS of the tree, after scoring every model | {report['memory_after']['pss']:.0f} MiB |",
        f"| RSS summed over the tree, after scoring | {report['memory_after']['rss']:.0f} MiB |",
        f"| private (USS) summed, after scoring | {report['memory_after']['uss']:.0f} MiB |",
        f"| 110 one-model servers (RSS column above, summed) | {report['one_model_rss']:.0f} MiB |",
        "",
        f"Latency of `:predict`, uncached (every model scores {REVISIONS_PER_MODEL} revisions "
        "of the embedded wiki once, one request at a time; milliseconds):",
        "",
        "| model type | models | requests | p50 ms | p90 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    counts = report["models_by_type"]
    for type_name, values in sorted(report["ms"].items()):
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
        lines.append(
            f"| {type_name} | {counts[type_name]} | {len(values)} | "
            f"{statistics.median(values):.0f} | {p90:.0f} |"
        )
    if report["failures"]:
        lines += ["", f"{len(report['failures'])} requests failed:", ""]
        lines += [f"- {failure}" for failure in report["failures"]]
    return "\n".join(lines) + "\n"


def one_model_rss(markdown: Path) -> float:
    """The sum of the per-model table's RSS column (one server process per model)."""
    total = 0.0
    for line in markdown.read_text().splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 6 and cells[1].startswith("`") and cells[5].replace(".", "").isdigit():
            total += float(cells[5])
    return total


def write_section(markdown: Path, text: str) -> None:
    """Replace (or add) the section in ``markdown``, leaving the rest alone."""
    current = markdown.read_text() if markdown.exists() else ""
    before, found, after = current.partition(SECTION)
    rest = ""
    if found:
        following = after.find("\n## ")
        rest = after[following + 1 :] if following >= 0 else ""
    markdown.write_text(before.rstrip("\n") + "\n\n" + text + ("\n" + rest if rest else ""))


def start(args: argparse.Namespace) -> int:
    if _running():
        print(f"the catalogue server already runs on http://127.0.0.1:{PORT}")
        return 0
    from revscoring_tools import liftwing_catalog as lw

    only = [name.strip() for name in args.only.split(",")] if args.only else None
    entries = lw.select(only)
    models_dir = ensure_models(only)
    wiki = ensure_wiki()
    process, ready_seconds = start_server(wiki.base_url, models_dir)
    status, ready = _get(f"http://127.0.0.1:{PORT}/ready")
    counts = ready["models"]
    print(
        f"catalogue server: http://127.0.0.1:{PORT} ready in {ready_seconds:.1f} s, "
        f"{counts['loaded']} of {counts['total']} models loaded",
        flush=True,
    )
    for name, reason in ready["failed"].items():
        print(f"  not loaded: {name}: {reason}", flush=True)
    if not args.measure:
        return 0 if counts["failed"] == 0 else 1
    memory_ready = memory(process.pid)
    status, listing = _get(f"http://127.0.0.1:{PORT}/v3/scores/", timeout=60)
    listed = sum("version" in info for doc in listing.values() for info in doc["models"].values())
    print(f"/v3/scores/: {len(listing)} wikis, {listed} models", flush=True)
    result = measure(wiki.seed, entries)
    memory_after = memory(process.pid)
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": args.machine,
        "loaded": counts["loaded"],
        "total": counts["total"],
        "ready_seconds": ready_seconds,
        "memory_ready": memory_ready,
        "memory_after": memory_after,
        "models_by_type": {
            type_name: sum(entry.model_type == type_name for entry in entries)
            for type_name in dict.fromkeys(entry.model_type for entry in entries)
        },
        "one_model_rss": one_model_rss(args.markdown) if args.markdown else 0.0,
        **result,
    }
    (STATE / "measurement.json").write_text(json.dumps(report, indent=1))
    text = section(report)
    print(text)
    if args.markdown:
        write_section(args.markdown, text)
    ok = counts["failed"] == 0 and listed == counts["total"] and not result["failures"]
    return 0 if ok else 1


def _running() -> bool:
    pid_file = STATE / "server.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text()), 0)
    except (ProcessLookupError, ValueError):
        return False
    return True


def stop() -> int:
    pid_file = STATE / "server.pid"
    if pid_file.exists():
        try:
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
            print("catalogue server: stopped")
        except (ProcessLookupError, ValueError):
            pass
        pid_file.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m revscoring_tools.catalog_server", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    begin = commands.add_parser("start", help="train if needed, start the wiki and the server")
    begin.add_argument("--measure", action="store_true", help="score every model and measure")
    begin.add_argument("--markdown", type=Path, help="write the measurement into this file")
    begin.add_argument(
        "--machine", default="2 cores", help="how to describe the machine in the report"
    )
    begin.add_argument("--only", help="comma-separated Lift Wing names (a smoke run)")
    commands.add_parser("stop", help="stop the server")
    args = parser.parse_args(argv)
    return start(args) if args.command == "start" else stop()


if __name__ == "__main__":
    sys.exit(main())
