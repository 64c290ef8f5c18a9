"""The markdown report of a benchmark run (``benchmarks/RESULTS.md``)."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any, Sequence

from records import Report


def machine() -> dict[str, str]:
    model = "?"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "?"
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal"):
                    ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": model,
        "ram": ram,
        "kernel": platform.release(),
        "python": sys.version.split()[0],
    }


def portable_command(argv: Sequence[str], root: Path) -> str:
    """The command line as RESULTS.md shows it: relative to the repository ``root``, with
    no path of the machine that ran it (a path outside the repository is shown as
    ``<name>``, e.g. a venv's ``<python>``)."""

    def portable(word: str) -> str:
        option, equals, value = word.partition("=") if word.startswith("--") else ("", "", word)
        if os.path.isabs(value):
            path = Path(os.path.normpath(value))
            value = (
                path.relative_to(root).as_posix() if path.is_relative_to(root) else f"<{path.name}>"
            )
        return option + equals + value

    return " ".join(["python", "benchmarks/run.py", *map(portable, argv)])


def _f(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if value == value else "-"


def _floor_ratio(report: Report, run: Any) -> str:
    floor = report.floor
    if not run.case.startswith("rs-") or run.case == "rs-cached" or "two_rate" not in floor:
        return ""
    return f"{run.rps / floor['two_rate']:.2f}x / {run.rps / floor['one_rate']:.2f}x"


def render(report: Report) -> str:
    m = machine()
    lines: list[str] = []
    add = lines.append
    add("# Benchmark results")
    add("")
    add(
        f"Written by `{report.command}` ({report.mode} run) on "
        f"{report.started:%Y-%m-%d %H:%M} UTC."
    )
    add("")
    add(
        f"**Machine:** {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, Linux {m['kernel']}; "
        f"harness Python {m['python']}; services: "
        + ", ".join(f"{name} Python {version}" for name, version in report.pythons.items())
        + ". The machine is shared: the *others* column is the CPU (in cores) that processes "
        "outside the benchmark used during each run."
    )
    add("")
    c = report.corpus
    if c:
        add(
            f"**Corpus** (generated at start from seed {c['seed']}, digest `{c['digest']}`, "
            f"see `corpus.py`): {c['pages']} pages, {c['revisions']} revisions "
            f"({c['scored']} edits with a parent are scored), {c['users']} registered users "
            f"plus IP editors; wikitext {c['min_kb']:.1f}-{c['max_kb']:.1f} KB (median "
            f"{c['median_kb']:.1f} KB); {c['links_per_page']:.0f} outlinks per page."
        )
        add("")

    add("## Targets")
    add("")
    add("| target | measured | met |")
    add("| --- | --- | --- |")
    for target in report.targets:
        name = target.name.replace("|", "\\|")
        measured = target.measured.replace("|", "\\|")
        verdict = {True: "yes", False: "**no**", None: "not measured"}[target.met]
        detail = f" ({target.detail})" if target.detail else ""
        add(f"| {name} | {measured}{detail} | {verdict} |")
    add("")

    floor = report.floor
    if "one_rate" in floor:
        add("## CPU floor: revscoring feature extraction + model.score in process")
        add("")
        add(
            "`scoring.score_revision([enwiki-damaging], EditContext, False)` on the same "
            f"revisions the servers score ({floor['one_n']} of them), no HTTP, no event loop."
        )
        add("")
        add("| processes | revisions/s | p50 ms | mean ms | p90 ms | CPU ms/revision | others |")
        add("| --- | --- | --- | --- | --- | --- | --- |")
        add(
            f"| 1 | {floor['one_rate']:.2f} | {floor['one_p50_ms']:.1f} | "
            f"{floor['one_mean_ms']:.1f} | {floor['one_p90_ms']:.1f} | "
            f"{floor['one_cpu_ms']:.1f} | {floor['one_other']:.2f} |"
        )
        add(
            f"| 2 side by side | {floor['two_rate']:.2f} (together) | | | | "
            f"{floor['two_cpu_ms']:.1f} | {floor.get('two_other', float('nan')):.2f} |"
        )
        add("")
        if "models_n" in floor:
            ratio = floor["models_two_s"] / floor["models_one_s"]
            cpu_ratio = floor["models_two_cpu_s"] / floor["models_one_cpu_s"]
            add(
                f"Both ORES batch models on one revision ({floor['models_n']} revisions, one "
                f"process): damaging alone {floor['models_one_s']:.2f} s "
                f"(CPU {floor['models_one_cpu_s']:.2f} s), damaging + goodfaith in one "
                f"`score_revision` call {floor['models_two_s']:.2f} s "
                f"(CPU {floor['models_two_cpu_s']:.2f} s): {ratio:.2f}x wall, "
                f"{cpu_ratio:.2f}x CPU. (1.0x would mean the second model reuses the first "
                "one's extraction; 2.0x, that nothing is shared.)"
            )
            add("")

    if floor.get("adjacent"):
        add(
            "Measured again just before each revscoring case (fewer revisions, shorter), "
            "since the machine's other load changes by the minute; the targets use these:"
        )
        add("")
        add(
            "| before | 1 process p50 ms | CPU ms/revision | others | 2 processes revisions/s "
            "| others | c=1 per revision: server / floor (median) |"
        )
        add("| --- | --- | --- | --- | --- | --- | --- |")
        for case, adj in floor["adjacent"].items():
            paired = f"{adj['c1_ratio']:.2f}x over {adj['c1_pairs']}" if "c1_ratio" in adj else ""
            add(
                f"| {case} | {adj['one_p50_ms']:.1f} | {adj['one_cpu_ms']:.1f} | "
                f"{adj['one_other']:.2f} | {adj['two_rate']:.2f} | {adj['two_other']:.2f} | "
                f"{paired} |"
            )
        add("")

    add("## Load runs")
    add("")
    add(
        "Closed loop: *c* connections each send the next request as soon as the previous "
        "answer is in. req/s and latencies count the requests answered inside the measured "
        "window (after a warm-up). *CPU/req* is the server's CPU (all its processes) per "
        "request, *main* the part of it spent in the server's main process (the rest is "
        "pool workers; for the outlink pair, the predictor); *retries* counts upstream "
        "retries the server logged (a timeout while its event loop was busy); RSS is summed "
        "over all the server's processes (for the outlink pair: both servers) at the start "
        "and end of the measured window, and its peak. *vs floor* is req/s divided by the "
        "two-process and the one-process floor. *wiki CPU* is the replay server's CPU time "
        "in the run, *client CPU* the load generator's."
    )
    add("")
    add(
        "| case | config | c | req/s | vs floor (2p / 1p) | p50 ms | p90 ms | p99 ms | errors "
        "| CPU/req ms (main) | retries | RSS MB start→end (peak) | wiki CPU s | client CPU s "
        "| others |"
    )
    add("| --- " * 15 + "|")
    for run in report.runs:
        rps = f"{run.rps:.1f}"
        if run.items > 1:
            rps += f" ({run.rps * run.items:.0f} rev/s)"
        add(
            f"| {run.case} | {run.config} | {run.concurrency} | {rps} | "
            f"{_floor_ratio(report, run)} | {_f(run.p50)} | {_f(run.p90)} | {_f(run.p99)} | "
            f"{run.errors} | {run.server_cpu_ms:.1f} ({getattr(run, 'main_cpu_ms', 0):.1f}) | "
            f"{getattr(run, 'retries', 0)} | {run.rss_start:.0f}→{run.rss_end:.0f} "
            f"({run.rss_peak:.0f}) | {run.replay_cpu:.2f} | {run.client_cpu:.2f} | "
            f"{run.other_cores:.2f} |"
        )
    add("")
    errors = [r for r in report.runs if r.error_samples or r.note]
    for run in errors:
        where = f"{run.case} / {run.config} / c={run.concurrency}"
        if run.note:
            add(f"- {where}: {run.note}")
        if run.error_samples:
            add(f"- errors in {where}: `{run.error_samples[0][:200]}`")
    if errors:
        add("")

    if report.batch:
        add("## ORES v3 batch versus single calls")
        add("")
        add(
            "`GET /v3/scores/enwiki/?models=damaging|goodfaith&revids=<50 ids>` against the "
            "same 50 revisions x 2 models as 100 `:predict` calls, on one server "
            "(MODELS_DIR with both models, PROCESS_POOL_WORKERS=2, SCORE_CACHE_SIZE=0)."
        )
        add("")
        add(
            "| first revid | batch s | batch CPU s | 100 singles c=1 s | CPU s | "
            "100 singles c=16 s | CPU s | batch / c=16 | batch / c=1 |"
        )
        add("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for row in report.batch:
            add(
                f"| {row['first']} | {row['batch_s']:.2f} | {row['batch_cpu_s']:.1f} | "
                f"{row['singles_c1_s']:.2f} | {row['singles_c1_cpu_s']:.1f} | "
                f"{row['singles_c16_s']:.2f} | {row['singles_c16_cpu_s']:.1f} | "
                f"{row['batch_s'] / row['singles_c16_s']:.2f}x | "
                f"{row['batch_s'] / row['singles_c1_s']:.2f}x |"
            )
        add("")

    if report.memory:
        add("## Revscoring memory: PSS of the process tree after the same revisions")
        add("")
        add(
            "Shared pages counted once (`Pss` of `/proc/<pid>/smaps_rollup`, summed over the "
            "server and its pool's processes), uncached, no kept values."
        )
        add("")
        add("| workers | processes | revisions | PSS at start MB | PSS after MB | RSS after MB |")
        add("| --- | --- | --- | --- | --- | --- |")
        for row in report.memory:
            add(
                f"| {row['workers']} | {row['processes']} | {row['revisions']} | "
                f"{row['pss_start_mb']:.0f} | {row['pss_mb']:.0f} | {row['rss_mb']:.0f} |"
            )
        add("")

    if report.skipped or report.notes:
        add("## Notes")
        add("")
        for reason in report.skipped:
            add(f"- skipped: {reason}")
        for note in report.notes:
            add(f"- {note}")
        add("")
    return "\n".join(lines)
