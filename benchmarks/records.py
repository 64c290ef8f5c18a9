"""What a benchmark run records: one :class:`RunRecord` per load run, the CPU floor, the
ORES batch timings, the targets and what was skipped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunRecord:
    case: str
    config: str
    concurrency: int
    requests: int
    rps: float
    p50: float  # ms
    p90: float
    p99: float
    errors: int
    rss_start: float  # MB, summed over the server's processes
    rss_end: float
    rss_peak: float
    server_cpu_ms: float  # CPU ms per request, summed over the server's processes
    replay_cpu: float  # s during the run
    client_cpu: float  # s during the run
    other_cores: float  # cores busy with processes outside the benchmark
    seconds: float
    items: int = 1  # revisions per request
    main_cpu_ms: float = 0.0  # CPU ms per request of the server's main process alone
    retries: int = 0  # upstream retries the servers logged during the run
    by_index: dict[int, list[float]] = field(default_factory=dict)  # s, by request index
    note: str = ""
    error_samples: list[str] = field(default_factory=list)

    @property
    def growth(self) -> float:
        return self.rss_end / self.rss_start - 1 if self.rss_start else 0.0


@dataclass
class Target:
    name: str
    measured: str
    met: bool | None  # None: not measured
    detail: str = ""


@dataclass
class Report:
    mode: str
    started: dt.datetime
    command: str
    corpus: dict[str, Any] = field(default_factory=dict)
    floor: dict[str, Any] = field(default_factory=dict)
    runs: list[RunRecord] = field(default_factory=list)
    batch: list[dict[str, Any]] = field(default_factory=list)
    memory: list[dict[str, Any]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pythons: dict[str, str] = field(default_factory=dict)
