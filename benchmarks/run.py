"""The load harness: every service under closed-loop load against a MediaWiki replay.

    make bench                                  # the full run (about 15-20 minutes)
    python benchmarks/run.py --quick            # a smoke run, a few seconds per case
    python benchmarks/run.py --only floor,rs-pool2 --duration 10

Run it with the revscoring server's interpreter (it needs aiohttp and psutil, which every
service environment has); ``--python-revscoring``, ``--python-outlink`` and
``--python-revert-risk`` say which interpreter runs each service (default: the
Makefile's ``.venv/<service>/bin/python``). Cases whose service (or interpreter) is not
there are skipped with the reason printed.

What it does (see ``benchmarks/README.md``): generates the corpus (:mod:`corpus`),
starts the replay server (:mod:`replay`), trains the demo models into
``benchmarks/.cache/models`` with each service's own training tool, measures the CPU
floor of revscoring scoring in process (:mod:`floor`), then starts each service as
production does (``python -m <package>``, settings in the environment, ``WIKI_URL`` at
the replay server) and drives it at each concurrency (:mod:`loadgen`). It prints each
run as it finishes, checks the targets, and writes a markdown report
(``benchmarks/RESULTS.md`` for a full run, ``benchmarks/.cache/RESULTS-quick.md`` for
``--quick``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
sys.path.insert(0, str(HERE))

import corpus as corpus_mod  # noqa: E402
import loadgen  # noqa: E402
from procs import Server, ServerFailed, free_port, machine_busy  # noqa: E402
from records import Report, RunRecord  # noqa: E402
from report_md import portable_command  # noqa: E402

CASES = (
    "floor",
    "rs-thread",
    "rs-pool1",
    "rs-pool2",
    "rs-cached",
    "rs-memory",
    "ores-batch",
    "outlink",
    "revert-risk",
    "gateway",
)
MB = 1024 * 1024
# The front door's case: what it sends through the door, and the limits it renders (raised,
# so that the load is never refused: what is measured is routing, the token check and the
# counting, not the refusals).
GATEWAY_CLASS = "established-user"
GATEWAY_LIMIT = "1000000000/1000000000000"


def say(message: str) -> None:
    print(message, flush=True)


# -- the harness ---------------------------------------------------------------------------


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick = args.quick
        self.duration = args.duration or (5.0 if self.quick else 30.0)
        self.fast_duration = args.fast_duration or (3.0 if self.quick else 15.0)
        self.warmup = 1.0 if self.quick else 3.0
        self.concurrencies = [int(c) for c in args.concurrency.split(",")]
        self.log_dir = CACHE / "logs"
        self.models_dir = CACHE / "models"
        self.nltk_data = args.nltk_data
        self.report = Report(
            mode="quick" if self.quick else "full",
            started=dt.datetime.now(dt.timezone.utc),
            command=portable_command(sys.argv[1:], ROOT),
        )
        self.replay: Server | None = None
        self.corpus: corpus_mod.Corpus | None = None
        self.corpus_path: Path | None = None
        # absolute (services run from their own directories), symlinks kept (a venv's
        # python is a symlink to the base interpreter)
        self.pythons = {
            "revscoring": os.path.abspath(args.python_revscoring),
            "outlink": os.path.abspath(args.python_outlink),
            "revert-risk": os.path.abspath(args.python_revert_risk),
            "gateway": os.path.abspath(args.python_gateway),
        }

    # -- set-up ----------------------------------------------------------------------------

    def wiki_url(self) -> str:
        assert self.replay is not None
        return f"http://127.0.0.1:{self.replay.port}"

    def start_replay(self) -> None:
        data, self.corpus_path = corpus_mod.load_or_generate(CACHE, self.args.seed)
        self.corpus = corpus_mod.Corpus(data)
        sizes = [self.corpus.text_bytes(r) for r in self.corpus.revisions]
        self.report.corpus = {
            "seed": self.args.seed,
            "digest": self.corpus.digest(),
            "pages": len(self.corpus.pages),
            "revisions": len(self.corpus.revisions),
            "scored": len(self.corpus.scored_rev_ids()),
            "users": len(self.corpus.users),
            "min_kb": min(sizes) / 1000,
            "median_kb": statistics.median(sizes) / 1000,
            "max_kb": max(sizes) / 1000,
            "links_per_page": statistics.mean(len(self.corpus.links(p)) for p in self.corpus.pages),
        }
        port = free_port()
        self.replay = Server(
            "replay",
            [
                sys.executable,
                str(HERE / "replay.py"),
                "--corpus",
                str(self.corpus_path),
                "--port",
                str(port),
            ],
            cwd=HERE,
            env={},
            port=port,
            ready_path="/_stats",
            log_dir=self.log_dir,
        ).start(timeout=60)
        say(
            f"replay server on port {port} (corpus {self.report.corpus['digest']}: "
            f"{self.report.corpus['revisions']} revisions)"
        )

    def rev_ids(self) -> list[int]:
        assert self.corpus is not None
        ids = self.corpus.scored_rev_ids()
        return ids[:60] if self.quick else ids

    def python_for(self, service: str) -> str | None:
        """The service's interpreter, or None (with the skip reason recorded)."""
        python = self.pythons[service]
        if not python or not Path(python).exists():
            self.skip(
                f"{service}: interpreter {python!r} does not exist " f"(pass --python-{service})"
            )
            return None
        return python

    def skip(self, reason: str) -> None:
        say(f"SKIP {reason}")
        self.report.skipped.append(reason)

    def check_import(self, python: str, cwd: Path, module: str, env: dict | None = None) -> bool:
        result = subprocess.run(
            [python, "-c", f"import {module}"],
            cwd=cwd,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
        )
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["?"])[-1]
            self.skip(
                f"{module} does not import with {python} in {cwd.relative_to(ROOT)}: " f"{last}"
            )
            return False
        return True

    def train(self, name: str, python: str, cwd: Path, argv: list[str], env: dict) -> bool:
        say(f"preparing {name} model: {' '.join(argv)}")
        started = time.perf_counter()
        result = subprocess.run(
            [python, *argv], cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}
        )
        if result.returncode != 0:
            last = " | ".join((result.stderr or result.stdout).strip().splitlines()[-3:])
            self.skip(f"{name}: training failed: {last}")
            return False
        say(f"  ready in {time.perf_counter() - started:.1f}s")
        return True

    def rs_env(self) -> dict[str, str]:
        env = {"WIKI_URL": self.wiki_url()}
        if self.nltk_data:
            env["NLTK_DATA"] = str(self.nltk_data)
        return env

    def prepare_revscoring(self) -> bool:
        python = self.python_for("revscoring")
        if python is None:
            return False
        cwd = ROOT / "revscoring"
        nltk = {"NLTK_DATA": str(self.nltk_data)} if self.nltk_data else {}
        if not self.check_import(python, cwd, "revscoring_server.__main__", nltk):
            return False
        if not self.check_import(python, cwd, "revscoring_tools.demo", nltk):
            return False
        out = self.models_dir / "revscoring"
        return self.train(
            "revscoring demo",
            python,
            cwd,
            [
                "-m",
                "revscoring_tools.demo",
                "--out",
                str(out),
                "--only",
                "enwiki-damaging,enwiki-goodfaith",
            ],
            {"NLTK_DATA": str(self.nltk_data)} if self.nltk_data else {},
        )

    def start_server(
        self, name: str, argv: list[str], *, cwd: Path, env: dict[str, str], ready_path: str
    ) -> Server | None:
        port = free_port()
        server = Server(
            name,
            argv,
            cwd=cwd,
            env={**env, "HTTP_PORT": str(port)},
            port=port,
            ready_path=ready_path,
            log_dir=self.log_dir,
        )
        say(f"starting {name} ...")
        started = time.perf_counter()
        try:
            server.start()
        except ServerFailed as error:
            self.skip(f"{name}: {error}")
            return None
        say(
            f"  {name} ready in {time.perf_counter() - started:.1f}s on port {port}, "
            f"{server.rss() / MB:.0f} MB over {len(server.pids())} processes"
        )
        if self.args.py_spy:
            # a sampling profile of the server (and its workers) until it stops
            out = self.args.py_spy / f"{name}-{time.strftime('%H%M%S')}.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            subprocess.Popen(
                [self.args.py_spy_bin, "record", "--pid", str(server.process.pid)]
                + ["--subprocesses", "--nonblocking", "--format", "raw", "--rate", "97"]
                + ["--output", str(out)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            say(f"  py-spy recording into {out}")
        return server

    # -- one load run ----------------------------------------------------------------------

    async def measure(
        self,
        case: str,
        config: str,
        servers: list[Server],
        port: int,
        requests: list[bytes],
        concurrency: int,
        duration: float,
        warmup: float,
        items: int = 1,
    ) -> RunRecord:
        assert self.replay is not None
        cpu0 = sum(s.cpu() for s in servers)
        main0 = servers[0].main_cpu()
        logs0 = [s.log_size() for s in servers]
        replay0 = self.replay.cpu()
        busy0 = machine_busy()
        harness0 = time.process_time()
        wall0 = time.perf_counter()
        samples: list[tuple[float, float]] = []
        stop = asyncio.Event()

        async def sampler() -> None:
            while not stop.is_set():
                samples.append((time.perf_counter(), sum(s.rss() for s in servers)))
                try:
                    await asyncio.wait_for(stop.wait(), 0.25)
                except asyncio.TimeoutError:
                    pass

        sampling = asyncio.ensure_future(sampler())
        result = await loadgen.run_load(
            "127.0.0.1",
            port,
            requests,
            concurrency=concurrency,
            duration=duration,
            warmup=warmup,
        )
        stop.set()
        await sampling
        samples.append((time.perf_counter(), sum(s.rss() for s in servers)))
        wall = time.perf_counter() - wall0
        server_cpu = sum(s.cpu() for s in servers) - cpu0
        main_cpu = servers[0].main_cpu() - main0
        retries = sum(s.log_count(size, "; retry ") for s, size in zip(servers, logs0))
        replay_cpu = self.replay.cpu() - replay0
        harness_cpu = time.process_time() - harness0
        busy = machine_busy() - busy0
        other = max(0.0, (busy - server_cpu - replay_cpu - harness_cpu) / wall)
        measured = [rss for t, rss in samples if t >= wall0 + warmup] or [samples[-1][1]]
        record = RunRecord(
            case=case,
            config=config,
            concurrency=concurrency,
            requests=result.count,
            rps=result.rps,
            p50=result.percentile(50) * 1000,
            p90=result.percentile(90) * 1000,
            p99=result.percentile(99) * 1000,
            errors=result.errors,
            rss_start=measured[0] / MB,
            rss_end=measured[-1] / MB,
            rss_peak=max(measured) / MB,
            # CPU of the whole run (warm-up and drain too) per request answered in it
            server_cpu_ms=server_cpu * 1000 / max(1, result.answered),
            replay_cpu=replay_cpu,
            client_cpu=result.client_cpu,
            other_cores=other,
            seconds=wall,
            items=items,
            error_samples=result.error_samples,
            by_index=result.by_index,
            main_cpu_ms=main_cpu * 1000 / max(1, result.answered),
            retries=retries,
        )
        self.report.runs.append(record)
        say(
            f"  {case:12} {config:16} c={concurrency:<3} {record.rps:8.1f} req/s  "
            f"p50 {record.p50:8.1f}  p90 {record.p90:8.1f}  p99 {record.p99:8.1f} ms  "
            f"err {record.errors}  cpu/req {record.server_cpu_ms:6.1f} ms (main "
            f"{record.main_cpu_ms:.1f})  retries {record.retries}  "
            f"rss {record.rss_start:.0f}->{record.rss_end:.0f} MB  replay cpu "
            f"{replay_cpu:.2f}s  client cpu {result.client_cpu:.2f}s  others {other:.2f} cores"
        )
        for sample in result.error_samples[:1]:
            say(f"    error sample: {sample}")
        return record

    async def sweep(
        self,
        case: str,
        config: str,
        servers: list[Server],
        port: int,
        requests: list[bytes],
        duration: float,
        items: int = 1,
    ) -> list[RunRecord]:
        records = []
        rps = None
        for concurrency in self.concurrencies:
            warmup = self.warmup
            if rps:  # long enough for the first wave of requests to be answered
                warmup = max(warmup, min(20.0, 1.5 * concurrency / rps))
            record = await self.measure(
                case, config, servers, port, requests, concurrency, duration, warmup, items
            )
            rps = record.rps or rps
            records.append(record)
            dead = [(s.name, s.exit_status()) for s in servers if s.exit_status() is not None]
            if dead:
                name, status = dead[0]
                record.note = f"{name} died during this run ({status})"
                message = (
                    f"{case} / {config}: {name} died during the run at c={concurrency} "
                    f"({status}); later concurrencies not run"
                )
                say(f"  {message}")
                self.report.notes.append(message)
                break
        return records

    async def check(self, port: int, raw: bytes, expect: str, what: str) -> bool:
        try:
            status, body = await loadgen.one_request("127.0.0.1", port, raw)
        except (OSError, asyncio.TimeoutError) as error:
            self.skip(f"{what}: no answer: {error!r}")
            return False
        if status != 200 or expect.encode() not in body:
            self.skip(f"{what}: unexpected answer {status} {body[:300]!r}")
            return False
        return True

    # -- cases -----------------------------------------------------------------------------

    def _floor_cmd(
        self, ids: list[int], goodfaith: bool = False, stock: bool = False
    ) -> list[str] | None:
        python = self.pythons["revscoring"]
        folder = self.models_dir / "revscoring"
        model = folder / "enwiki-damaging" / "model.bin"
        if not Path(python).exists() or not model.is_file():
            return None
        assert self.corpus_path is not None
        argv = [python, str(HERE / "floor.py"), "--corpus", str(self.corpus_path)]
        argv += ["--model", f"enwiki-damaging={model}", "--rev-ids", ",".join(map(str, ids))]
        if goodfaith:
            argv += ["--model", f"enwiki-goodfaith={folder / 'enwiki-goodfaith' / 'model.bin'}"]
        if stock:
            argv.append("--stock")
        return argv

    def _floor_env(self) -> dict[str, str]:
        return {**os.environ, **({"NLTK_DATA": str(self.nltk_data)} if self.nltk_data else {})}

    def floor_one(
        self, ids: list[int], goodfaith: bool = False, stock: bool = False
    ) -> dict[str, Any]:
        """Each revision scored once in one process: times by revision, CPU, others."""
        argv = self._floor_cmd(ids, goodfaith, stock)
        assert argv is not None
        out = CACHE / "floor-1.json"
        busy0, wall0 = machine_busy(), time.perf_counter()
        subprocess.run(
            argv + ["--out", str(out)], cwd=ROOT / "revscoring", env=self._floor_env(), check=True
        )
        result = json.loads(out.read_text())
        wall = time.perf_counter() - wall0
        times = {rev_id: seconds for rev_id, seconds in result["times"]}
        return {
            "times": times,
            "cpu": result["cpu"],
            "other": max(0.0, (machine_busy() - busy0 - result["cpu"]) / wall),
        }

    def floor_two(self, ids: list[int], duration: float) -> dict[str, float]:
        """Two processes scoring side by side for ``duration`` seconds."""
        argv = self._floor_cmd(ids)
        assert argv is not None
        outs = [CACHE / f"floor-2-{i}.json" for i in range(2)]
        procs = [
            subprocess.Popen(
                argv + ["--out", str(out), "--duration", str(duration)],
                cwd=ROOT / "revscoring",
                env=self._floor_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for out in outs
        ]
        for proc in procs:  # both loaded: start them together
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "READY":
                raise RuntimeError("a floor process did not start")
        busy0, wall0 = machine_busy(), time.perf_counter()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("GO\n")
            proc.stdin.flush()
        for proc in procs:
            proc.communicate()
        two = [json.loads(out.read_text()) for out in outs]
        cpu = sum(t["cpu"] for t in two)
        return {
            "rate": sum(t["count"] / t["duration"] for t in two),
            "cpu_ms": cpu * 1000 / max(1, sum(t["count"] for t in two)),
            "other": max(0.0, (machine_busy() - busy0 - cpu) / (time.perf_counter() - wall0)),
        }

    def floor(self) -> None:
        if self._floor_cmd(self.rev_ids()) is None:
            self.skip("floor: no revscoring interpreter or demo model")
            return
        say("CPU floor: one process ...")
        one = self.floor_one(self.rev_ids())
        times = sorted(one["times"].values())
        floor = {
            "one_rate": len(times) / sum(times),
            "one_p50_ms": statistics.median(times) * 1000,
            "one_mean_ms": statistics.mean(times) * 1000,
            "one_p90_ms": times[int(0.9 * len(times))] * 1000,
            "one_cpu_ms": one["cpu"] * 1000 / len(times),
            "one_n": len(times),
            "one_other": one["other"],
        }
        say(
            f"  one process: {floor['one_rate']:.2f} revisions/s, p50 "
            f"{floor['one_p50_ms']:.1f} ms, CPU {floor['one_cpu_ms']:.1f} ms/revision"
        )
        duration = 5.0 if self.quick else 20.0
        say(f"CPU floor: two processes side by side for {duration:.0f}s ...")
        two = self.floor_two(self.rev_ids(), duration)
        floor["two_rate"], floor["two_cpu_ms"], floor["two_other"] = (
            two["rate"],
            two["cpu_ms"],
            two["other"],
        )
        say(f"  two processes: {floor['two_rate']:.2f} revisions/s together")
        goodfaith = self.models_dir / "revscoring" / "enwiki-goodfaith" / "model.bin"
        if goodfaith.is_file():
            # what the ORES batch asks for: both models on one revision
            ids = self.rev_ids()[: 20 if self.quick else 50]
            say(f"CPU floor: damaging alone and damaging + goodfaith on {len(ids)} revisions ...")
            alone, both = self.floor_one(ids), self.floor_one(ids, goodfaith=True)
            floor["models_n"] = len(ids)
            floor["models_one_s"] = sum(alone["times"].values())
            floor["models_one_cpu_s"] = alone["cpu"]
            floor["models_two_s"] = sum(both["times"].values())
            floor["models_two_cpu_s"] = both["cpu"]
            say(
                f"  damaging {floor['models_one_s']:.2f}s (CPU {alone['cpu']:.2f}s), damaging + "
                f"goodfaith {floor['models_two_s']:.2f}s (CPU {both['cpu']:.2f}s)"
            )
        self.report.floor.update(floor)

    def adjacent_floor(self, case: str) -> dict[str, Any] | None:
        """The floor again, just before a revscoring case, on fewer revisions: the machine
        is shared, and a floor measured minutes earlier may have seen another load."""
        ids = self.rev_ids()[: 20 if self.quick else 60]
        if self._floor_cmd(ids) is None:
            return None
        say(f"CPU floor next to {case}: one process on {len(ids)} revisions, then two ...")
        one = self.floor_one(ids)
        stock = self.floor_one(ids, stock=True)
        two = self.floor_two(ids, 4.0 if self.quick else 10.0)
        adjacent = {
            "stock_cpu_ms": stock["cpu"] * 1000 / len(ids),
            "times": one["times"],
            "one_p50_ms": statistics.median(one["times"].values()) * 1000,
            "one_cpu_ms": one["cpu"] * 1000 / len(ids),
            "one_other": one["other"],
            "two_rate": two["rate"],
            "two_cpu_ms": two["cpu_ms"],
            "two_other": two["other"],
        }
        say(
            f"  one process p50 {adjacent['one_p50_ms']:.1f} ms (others "
            f"{one['other']:.2f}); two processes {two['rate']:.2f} revisions/s (others "
            f"{two['other']:.2f})"
        )
        self.report.floor.setdefault("adjacent", {})[case] = adjacent
        return adjacent

    @staticmethod
    def paired_c1(adjacent: dict[str, Any], record: RunRecord, ids: list[int]) -> None:
        """Server latency at c=1 against the floor's time, revision by revision."""
        pairs = []
        for index, latencies in record.by_index.items():
            floor_time = adjacent["times"].get(ids[index])
            if floor_time:
                pairs.append((statistics.median(latencies), floor_time))
        if pairs:
            adjacent["c1_pairs"] = len(pairs)
            adjacent["c1_server_p50_ms"] = statistics.median(s for s, _ in pairs) * 1000
            adjacent["c1_floor_p50_ms"] = statistics.median(f for _, f in pairs) * 1000
            adjacent["c1_ratio"] = statistics.median(s / f for s, f in pairs)
            say(
                f"  c=1 against the floor, revision by revision ({len(pairs)}): server p50 "
                f"{adjacent['c1_server_p50_ms']:.1f} ms, floor p50 "
                f"{adjacent['c1_floor_p50_ms']:.1f} ms, median ratio {adjacent['c1_ratio']:.2f}"
            )

    async def revscoring_predict(self, case: str, workers: int, cached: bool) -> None:
        python = self.python_for("revscoring")
        model = self.models_dir / "revscoring" / "enwiki-damaging" / "model.bin"
        if python is None or not model.is_file():
            self.skip(f"{case}: no revscoring interpreter or demo model")
            return
        env = {
            **self.rs_env(),
            "INFERENCE_NAME": "enwiki-damaging",
            "MODEL_PATH": str(model),
            "PROCESS_POOL_WORKERS": str(workers),
            "SCORE_CACHE_SIZE": "10000" if cached else "0",
            # the runs cycle through the revisions: kept text-derived values would make a
            # repeated revision nearly free, which an uncached measurement must not count
            "FAST_FEATURES_REUSE_BYTES": "0",
        }
        if workers:
            env["POOL_MIN_BYTES"] = "0"
        config = ("pool %d, POOL_MIN_BYTES=0" % workers) if workers else "thread (no pool)"
        if cached:
            config += ", cache"
        adjacent = None if cached else await asyncio.to_thread(self.adjacent_floor, case)
        server = self.start_server(
            case,
            [python, "-m", "revscoring_server"],
            cwd=ROOT / "revscoring",
            env=env,
            ready_path="/v1/models/enwiki-damaging",
        )
        if server is None:
            return
        try:
            ids = self.rev_ids()
            if cached:
                ids = ids[:20]
            requests = [
                loadgen.encode_request(
                    "127.0.0.1",
                    server.port,
                    "POST",
                    "/v1/models/enwiki-damaging:predict",
                    {"rev_id": r},
                )
                for r in ids
            ]
            if not await self.check(server.port, requests[0], '"probability"', case):
                return
            if cached:  # every score computed once before the measured runs
                await loadgen.run_load(
                    "127.0.0.1", server.port, requests, concurrency=2, duration=0.1
                )
                for raw in requests:
                    await loadgen.one_request("127.0.0.1", server.port, raw)
            duration = self.fast_duration if cached else self.duration
            records = await self.sweep(case, config, [server], server.port, requests, duration)
            if adjacent is not None:
                for record in records:
                    if record.concurrency == 1:
                        self.paired_c1(adjacent, record, ids)
        finally:
            server.stop()

    async def revscoring_memory(self) -> None:
        """PSS of the whole process tree (shared pages counted once) after the same 60
        revisions, thread mode against a pool of 2 (uncached, no kept values)."""
        python = self.python_for("revscoring")
        model = self.models_dir / "revscoring" / "enwiki-damaging" / "model.bin"
        if python is None or not model.is_file():
            self.skip("rs-memory: no revscoring interpreter or demo model")
            return
        ids = self.corpus.scored_rev_ids()[:60] if self.corpus else []
        for workers in (0, 2):
            env = {
                **self.rs_env(),
                "INFERENCE_NAME": "enwiki-damaging",
                "MODEL_PATH": str(model),
                "PROCESS_POOL_WORKERS": str(workers),
                "SCORE_CACHE_SIZE": "0",
                "FAST_FEATURES_REUSE_BYTES": "0",
            }
            if workers:
                env["POOL_MIN_BYTES"] = "0"
            server = self.start_server(
                "rs-memory",
                [python, "-m", "revscoring_server"],
                cwd=ROOT / "revscoring",
                env=env,
                ready_path="/v1/models/enwiki-damaging",
            )
            if server is None:
                return
            try:
                requests = [
                    loadgen.encode_request(
                        "127.0.0.1",
                        server.port,
                        "POST",
                        "/v1/models/enwiki-damaging:predict",
                        {"rev_id": r},
                    )
                    for r in ids
                ]
                started = server.pss()
                await self._all(server.port, requests, 2)
                await asyncio.sleep(1.0)
                row = {
                    "workers": workers,
                    "processes": len(server.pids()),
                    "pss_start_mb": started / MB,
                    "pss_mb": server.pss() / MB,
                    "rss_mb": server.rss() / MB,
                    "revisions": len(ids),
                }
                say(
                    f"  {workers} workers: PSS {row['pss_start_mb']:.0f} -> {row['pss_mb']:.0f}"
                    f" MB, RSS {row['rss_mb']:.0f} MB over {row['processes']} processes"
                )
                self.report.memory.append(row)
            finally:
                server.stop()

    async def ores_batch(self) -> None:
        python = self.python_for("revscoring")
        models = self.models_dir / "revscoring"
        if python is None or not (models / "enwiki-goodfaith" / "model.bin").is_file():
            self.skip("ores-batch: no revscoring interpreter or demo models")
            return
        env = {
            **self.rs_env(),
            "MODELS_DIR": str(models),
            "WORD2VEC_DIR": str(models / "word2vec"),
            "PROCESS_POOL_WORKERS": "2",
            "SCORE_CACHE_SIZE": "0",
            "FAST_FEATURES_REUSE_BYTES": "0",  # singles repeat the batch's revisions
        }
        server = self.start_server(
            "ores-batch",
            [python, "-m", "revscoring_server"],
            cwd=ROOT / "revscoring",
            env=env,
            ready_path="/v3/scores/",
        )
        if server is None:
            return
        port = server.port
        try:
            all_ids = self.rev_ids()
            blocks = [all_ids[i : i + 50] for i in range(0, len(all_ids) - 49, 50)]
            blocks = blocks[: 1 if self.quick else 2]
            for block in blocks:
                query = urllib.parse.urlencode(
                    {"models": "damaging|goodfaith", "revids": "|".join(map(str, block))}
                )
                batch = loadgen.encode_request(
                    "127.0.0.1", port, "GET", f"/v3/scores/enwiki/?{query}"
                )
                singles = [
                    loadgen.encode_request(
                        "127.0.0.1", port, "POST", f"/v1/models/enwiki-{m}:predict", {"rev_id": r}
                    )
                    for r in block
                    for m in ("damaging", "goodfaith")
                ]
                if not await self.check(port, singles[0], '"probability"', "ores-batch"):
                    return
                row: dict[str, Any] = {"revisions": len(block), "first": block[0]}
                cpu0 = server.cpu()
                started = time.perf_counter()
                status, body = await loadgen.one_request("127.0.0.1", port, batch)
                row["batch_s"] = time.perf_counter() - started
                row["batch_cpu_s"] = server.cpu() - cpu0
                answer = json.loads(body) if status == 200 else {}
                scores = answer.get("enwiki", {}).get("scores", {})
                row["batch_errors"] = (0 if status == 200 else 1) + sum(
                    1 for s in scores.values() for v in s.values() if "error" in v
                )
                for concurrency in (1, 16):
                    cpu0 = server.cpu()
                    started = time.perf_counter()
                    errors = await self._all(port, singles, concurrency)
                    row[f"singles_c{concurrency}_s"] = time.perf_counter() - started
                    row[f"singles_c{concurrency}_cpu_s"] = server.cpu() - cpu0
                    row[f"singles_c{concurrency}_errors"] = errors
                self.report.batch.append(row)
                say(
                    f"  ores-batch: 50x2 batch {row['batch_s']:.2f}s "
                    f"(cpu {row['batch_cpu_s']:.1f}s, errors {row['batch_errors']}); 100 singles "
                    f"c=1 {row['singles_c1_s']:.2f}s, c=16 {row['singles_c16_s']:.2f}s "
                    f"(cpu {row['singles_c16_cpu_s']:.1f}s)"
                )
        finally:
            server.stop()

    @staticmethod
    async def _all(port: int, requests: list[bytes], concurrency: int) -> int:
        """Send every request once, ``concurrency`` at a time; the number of errors."""
        queue = list(reversed(requests))
        errors = 0

        async def worker() -> None:
            nonlocal errors
            connection = loadgen.HttpConnection("127.0.0.1", port)
            try:
                while queue:
                    status, _ = await connection.request(queue.pop())
                    errors += status != 200
            finally:
                connection.close()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return errors

    async def outlink(self) -> None:
        python = self.python_for("outlink")
        if python is None:
            return
        base = ROOT / "outlink-topic-model"
        if not (base / "one-process" / "outlink_one_process.py").is_file():
            self.skip("outlink: outlink-topic-model/one-process is not there")
            return
        if not (
            self.check_import(python, base / "model-server", "outlink_predictor.__main__")
            and self.check_import(python, base / "transformer", "outlink_transformer.__main__")
        ):
            return
        model_dir = self.models_dir / "outlink-topic-model"
        if not self.train(
            "outlink",
            python,
            base / "model-server",
            ["-m", "outlink_predictor_tools.train", "--out", str(model_dir)],
            {},
        ):
            return
        model = model_dir / "model.bin"
        assert self.corpus is not None
        titles = self.corpus.titles()
        wiki = {"WIKI_URL": self.wiki_url()}

        # the predictor alone, with what the transformer sends it
        predictor = self.start_server(
            "outlink-predictor",
            [python, "-m", "outlink_predictor"],
            cwd=base / "model-server",
            env={"MODEL_PATH": str(model)},
            ready_path="/v1/models/outlink-topic-model",
        )
        if predictor is None:
            return
        try:
            feature_requests = []
            for page_id in list(self.corpus.pages)[:50]:
                qids = [
                    q for t in self.corpus.links(page_id) if (q := corpus_mod.qid_of(t)) is not None
                ]
                features = " ".join(sorted(set(qids), key=lambda q: int(q[1:])))
                page = self.corpus.page_fields(page_id)
                feature_requests.append(
                    loadgen.encode_request(
                        "127.0.0.1",
                        predictor.port,
                        "POST",
                        "/v1/models/outlink-topic-model:predict",
                        {
                            "features_str": features,
                            "threshold": 0.5,
                            "debug": False,
                            "lang": "en",
                            "page_title": page["title"],
                            "page_id": page_id,
                        },
                    )
                )
            if await self.check(
                predictor.port, feature_requests[0], '"results"', "outlink-predictor"
            ):
                await self.sweep(
                    "outlink",
                    "predictor alone",
                    [predictor],
                    predictor.port,
                    feature_requests,
                    self.fast_duration,
                )

            # the pair: transformer -> predictor over HTTP
            transformer = self.start_server(
                "outlink-transformer",
                [python, "-m", "outlink_transformer"],
                cwd=base / "transformer",
                env={**wiki, "PREDICTOR_HOST": f"127.0.0.1:{predictor.port}"},
                ready_path="/v1/models/outlink-topic-model",
            )
            if transformer is not None:
                try:
                    requests = self._title_requests(transformer.port, titles)
                    if await self.check(
                        transformer.port, requests[0], '"results"', "outlink-transformer"
                    ):
                        await self.sweep(
                            "outlink",
                            "pair (2 processes)",
                            [transformer, predictor],
                            transformer.port,
                            requests,
                            self.fast_duration,
                        )
                finally:
                    transformer.stop()
        finally:
            predictor.stop()

        one = self.start_server(
            "outlink-one-process",
            [python, "-m", "outlink_one_process"],
            cwd=base,
            env={
                **wiki,
                "MODEL_PATH": str(model),
                "PYTHONPATH": "model-server:transformer:one-process",
            },
            ready_path="/v1/models/outlink-topic-model",
        )
        if one is None:
            return
        try:
            requests = self._title_requests(one.port, titles)
            if await self.check(one.port, requests[0], '"results"', "outlink-one-process"):
                await self.sweep(
                    "outlink", "one process", [one], one.port, requests, self.fast_duration
                )
        finally:
            one.stop()

    @staticmethod
    def _title_requests(port: int, titles: list[str]) -> list[bytes]:
        return [
            loadgen.encode_request(
                "127.0.0.1",
                port,
                "POST",
                "/v1/models/outlink-topic-model:predict",
                {"lang": "en", "page_title": title},
            )
            for title in titles
        ]

    async def revert_risk(self) -> None:
        python = self.python_for("revert-risk")
        if python is None:
            return
        cwd = ROOT / "revert-risk"
        if not self.check_import(python, cwd, "revert_risk.__main__"):
            return
        model_dir = self.models_dir / "revertrisk-language-agnostic"
        model = model_dir / "model.txt"
        newest_source = max(p.stat().st_mtime for p in (cwd / "revert_risk").glob("*.py"))
        if not model.is_file() or model.stat().st_mtime < newest_source:
            if not self.train(
                "revert-risk",
                python,
                cwd,
                ["-m", "revert_risk_tools.train", "--out", str(model_dir)],
                {},
            ):
                return
        server = self.start_server(
            "revert-risk",
            [python, "-m", "revert_risk"],
            cwd=cwd,
            env={"WIKI_URL": self.wiki_url(), "MODEL_PATH": str(model)},
            ready_path="/v1/models/revertrisk-language-agnostic",
        )
        if server is None:
            return
        try:
            path = "/v1/models/revertrisk-language-agnostic:predict"
            ids = self.rev_ids()
            singles = [
                loadgen.encode_request(
                    "127.0.0.1", server.port, "POST", path, {"lang": "en", "rev_id": r}
                )
                for r in ids
            ]
            batches = [
                loadgen.encode_request(
                    "127.0.0.1",
                    server.port,
                    "POST",
                    path,
                    {"instances": [{"lang": "en", "rev_id": r} for r in ids[i : i + 20]]},
                )
                for i in range(0, len(ids) - 19, 20)
            ]
            if not await self.check(server.port, singles[0], '"probabilities"', "revert-risk"):
                return
            if not await self.check(server.port, batches[0], '"predictions"', "revert-risk"):
                return
            await self.sweep(
                "revert-risk", "single", [server], server.port, singles, self.fast_duration
            )
            # a batch takes 20 times longer: give it the long runs' duration
            await self.sweep(
                "revert-risk",
                "batch of 20",
                [server],
                server.port,
                batches,
                self.duration,
                items=20,
            )
        finally:
            server.stop()

    # -- the front door ----------------------------------------------------------------------

    def start_gateway(self, python: str, backend_port: int) -> tuple[Server, str] | None:
        """haproxy rendered by gateway/render.py in front of the revscoring server, and a
        token of GATEWAY_CLASS signed with a key made for this run."""
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(haproxy).exists():
            self.skip("gateway: no haproxy (system-packages.txt)")
            return None
        directory = CACHE / "gateway"
        port, admin = free_port(), free_port()
        steps = [
            ["gateway/tokens.py", "keys", str(directory)],
            [
                "gateway/render.py",
                "--out",
                str(directory),
                "--public-key",
                str(directory / "jwt-public.pem"),
                f"--backend=revscoring=127.0.0.1:{backend_port}",
                "--bind",
                f"127.0.0.1:{port}",
                "--admin-bind",
                f"127.0.0.1:{admin}",
                "--limit",
                f"{GATEWAY_CLASS}={GATEWAY_LIMIT}",
            ],
            [
                "gateway/tokens.py",
                "mint",
                "--class",
                GATEWAY_CLASS,
                "--sub",
                "bench",
                "--key",
                str(directory / "jwt-private.pem"),
            ],
        ]
        outputs = []
        for argv in steps:
            result = subprocess.run([python, *argv], cwd=ROOT, capture_output=True, text=True)
            if result.returncode != 0:
                self.skip(f"gateway: {argv[0]} failed: {result.stderr.strip()[-300:]}")
                return None
            outputs.append(result.stdout.strip())
        config, token = outputs[1], outputs[2]
        door = Server(
            "gateway",
            [haproxy, "-db", "-f", config],
            cwd=HERE,
            env={},
            port=port,
            ready_path="/healthz",
            log_dir=self.log_dir,
        )
        try:
            door.start(timeout=30)
        except ServerFailed as error:
            self.skip(f"gateway: {error}")
            return None
        return door, token

    async def gateway(self) -> None:
        """Cached revscoring scores called directly and through the front door, at each
        concurrency in the order direct, door, door, direct: the door's added latency and
        its throughput."""
        python = self.python_for("revscoring")
        tools = self.python_for("gateway")
        model = self.models_dir / "revscoring" / "enwiki-damaging" / "model.bin"
        if python is None or tools is None or not model.is_file():
            self.skip("gateway: no revscoring or gateway interpreter, or no demo model")
            return
        env = {
            **self.rs_env(),
            "INFERENCE_NAME": "enwiki-damaging",
            "MODEL_PATH": str(model),
            "SCORE_CACHE_SIZE": "10000",
        }
        server = self.start_server(
            "gateway-revscoring",
            [python, "-m", "revscoring_server"],
            cwd=ROOT / "revscoring",
            env=env,
            ready_path="/v1/models/enwiki-damaging",
        )
        if server is None:
            return
        started = self.start_gateway(tools, server.port)
        if started is None:
            server.stop()
            return
        door, token = started
        try:
            ids = self.rev_ids()[:20]
            prefix = "/service/lw/inference"
            direct = [
                loadgen.encode_request(
                    "127.0.0.1",
                    server.port,
                    "POST",
                    "/v1/models/enwiki-damaging:predict",
                    {"rev_id": r},
                )
                for r in ids
            ]
            through = [
                loadgen.encode_request(
                    "127.0.0.1",
                    door.port,
                    "POST",
                    f"{prefix}/v1/models/enwiki-damaging:predict",
                    {"rev_id": r},
                    headers={"Authorization": f"Bearer {token}"},
                )
                for r in ids
            ]
            if not await self.check(server.port, direct[0], '"probability"', "gateway direct"):
                return
            if not await self.check(door.port, through[0], '"probability"', "gateway door"):
                return
            for raw in direct:  # every score computed once before the measured runs
                await loadgen.one_request("127.0.0.1", server.port, raw)
            plain = ("direct", server.port, direct, [server])
            gated = ("front door, token", door.port, through, [server, door])
            for concurrency in self.concurrencies:
                # A B B A: a neighbour's load that grows or fades during the four runs
                # weighs on both sides alike (the targets take the mean of each side)
                for config, port, requests, servers in (plain, gated, gated, plain):
                    await self.measure(
                        "gateway",
                        config,
                        servers,
                        port,
                        requests,
                        concurrency,
                        self.fast_duration,
                        self.warmup,
                    )
        finally:
            door.stop()
            server.stop()

    # -- everything ------------------------------------------------------------------------

    async def run(self, cases: list[str]) -> Report:
        self.start_replay()
        try:
            rs_ready = any(c.startswith(("rs-", "ores", "floor", "gateway")) for c in cases) and (
                self.prepare_revscoring()
            )
            for case in cases:
                say(f"== {case}")
                if case == "floor" and rs_ready:
                    await asyncio.to_thread(self.floor)
                elif case in ("rs-thread", "rs-pool1", "rs-pool2") and rs_ready:
                    workers = {"rs-thread": 0, "rs-pool1": 1, "rs-pool2": 2}[case]
                    await self.revscoring_predict(case, workers, cached=False)
                elif case == "rs-cached" and rs_ready:
                    await self.revscoring_predict(case, 2, cached=True)
                elif case == "rs-memory" and rs_ready:
                    await self.revscoring_memory()
                elif case == "ores-batch" and rs_ready:
                    await self.ores_batch()
                elif case == "outlink":
                    await self.outlink()
                elif case == "revert-risk":
                    await self.revert_risk()
                elif case == "gateway" and rs_ready:
                    await self.gateway()
                elif not rs_ready:
                    self.skip(f"{case}: the revscoring server is not ready (see above)")
        finally:
            assert self.replay is not None
            self.report.notes.append(
                f"replay server: {self.replay.cpu():.1f} CPU seconds in total, peak "
                f"{self.replay.rss() / MB:.0f} MB"
            )
            self.replay.stop()
        self.report.pythons = {
            name: _python_version(python) for name, python in self.pythons.items() if python
        }
        from targets import evaluate

        self.report.targets = evaluate(self.report)
        return self.report


def _python_version(python: str) -> str:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return out.stdout.strip() or "?"
    except (OSError, subprocess.TimeoutExpired):
        return "absent"


def default_python(service: str) -> str:
    return str(ROOT / ".venv" / service / "bin" / "python")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="short runs (5 s revscoring, 3 s others), 60 revisions"
    )
    parser.add_argument("--only", help=f"comma-separated cases of: {', '.join(CASES)}")
    parser.add_argument("--duration", type=float, help="seconds per revscoring run (30)")
    parser.add_argument(
        "--fast-duration",
        type=float,
        help="seconds per run of the fast cases: cached, outlink, revert " "risk (15)",
    )
    parser.add_argument("--concurrency", default="1,4,16,64")
    parser.add_argument("--seed", type=int, default=corpus_mod.SEED)
    parser.add_argument("--python-revscoring", default=default_python("revscoring"))
    parser.add_argument("--python-outlink", default=default_python("outlink"))
    parser.add_argument("--python-revert-risk", default=default_python("revert-risk"))
    parser.add_argument("--python-gateway", default=default_python("gateway"))
    shared = ROOT.parent / "shared" / "nltk_data"
    parser.add_argument(
        "--nltk-data",
        type=Path,
        default=os.environ.get("NLTK_DATA") or (shared if shared.is_dir() else None),
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        help="record a py-spy profile (raw collapsed stacks) of every server into this "
        "directory; summarise one with benchmarks/spy_top.py",
    )
    parser.add_argument("--py-spy-bin", default="py-spy", help="the py-spy executable")
    parser.add_argument(
        "--out",
        type=Path,
        help="the markdown report (default: "
        "benchmarks/RESULTS.md, or .cache/RESULTS-quick.md with --quick)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cases = [c.strip() for c in (args.only or ",".join(CASES)).split(",") if c.strip()]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        raise SystemExit(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}")
    try:
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    except ImportError:
        pass
    harness = Harness(args)
    report = asyncio.run(harness.run(cases))
    from report_md import render

    out = args.out or (CACHE / "RESULTS-quick.md" if args.quick else HERE / "RESULTS.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(report))
    say("")
    for target in report.targets:
        verdict = {True: "MET", False: "MISSED", None: "NOT MEASURED"}[target.met]
        say(f"{verdict:13} {target.name}: {target.measured}")
    say(f"report written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
