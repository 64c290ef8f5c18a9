"""A bounded soak of the real server process (same entry point as production): steady
concurrent load with bad requests mixed in, against the embedded MediaWiki.

It checks that nothing fails beyond the bad requests' 4xx, that memory levels off (RSS of
all the server's processes at start, middle and end is printed), and that no connections
(file descriptors) or processes leak. Bounded: SOAK_SECONDS (default 30) of load, loopback
only.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import aiohttp
import pytest

from .support import NLTK_DATA, SERVICE_DIR

from inference_testing.harness import serving

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "30"))
CONCURRENCY = 32
BAD_BODIES = [b"", b"[1]", b'{"rev_id": "x"}', b'{"rev_id": -5}', b"{", b'{"rev_id": true}']


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (pool workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if children.exists():
        for child in children.read_text().split():
            found.extend(_tree(int(child)))
    return found


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _fds(pids: list[int]) -> int:
    return sum(len(os.listdir(f"/proc/{pid}/fd")) for pid in pids)


async def test_soak(
    models_dir: Callable[..., Path], wiki_url: str, article_revisions: list[int]
) -> None:
    with serving(
        "revscoring_server",
        SERVICE_DIR,
        ready_path="/v1/models/enwiki-damaging",
        timeout=120,
        models_dir=models_dir("enwiki-damaging", "enwiki-goodfaith"),
        wiki_url=wiki_url,
        score_cache_size=0,  # every request does the full work
        process_pool_workers=1,
        pool_min_bytes=8000,
        nltk_data=NLTK_DATA,
        log_level="WARNING",
    ) as running:
        server = running.process
        url = f"{running.url}/v1/models/enwiki-damaging:predict"
        statuses: Counter[str] = Counter()
        rng = random.Random(7)
        samples: dict[str, tuple[float, int, int]] = {}

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:

            async def one() -> None:
                bad = rng.random() < 0.1
                body = (
                    rng.choice(BAD_BODIES)
                    if bad
                    else b'{"rev_id": %d}' % rng.choice(article_revisions)
                )
                async with session.post(url, data=body) as response:
                    await response.read()
                    kind = "bad" if bad else "good"
                    statuses[f"{kind} {response.status}"] += 1

            async def worker(until: float) -> None:
                while time.monotonic() < until:
                    await one()

            # Warm up, then measure start / middle / end of a steady run.
            await asyncio.gather(*(worker(time.monotonic() + 3) for _ in range(4)))
            pids = _tree(server.pid)
            samples["start"] = (_rss_mb(pids), _fds(pids), len(pids))
            end = time.monotonic() + SOAK_SECONDS
            load = asyncio.gather(*(worker(end) for _ in range(CONCURRENCY)))
            await asyncio.sleep(SOAK_SECONDS / 2)
            pids = _tree(server.pid)
            samples["middle"] = (_rss_mb(pids), _fds(pids), len(pids))
            await load
        await asyncio.sleep(1)  # let closed connections go
        pids = _tree(server.pid)
        samples["end"] = (_rss_mb(pids), _fds(pids), len(pids))
    stderr = running.output()

    print(f"\nsoak {SOAK_SECONDS:.0f}s at concurrency {CONCURRENCY}: {dict(statuses)}")
    for moment, (rss, fds, processes) in samples.items():
        print(f"  {moment:6} RSS {rss:7.1f} MB  fds {fds:4d}  processes {processes}")
    assert set(statuses) <= {"good 200", "bad 400"}, (statuses, stderr[-2000:])
    assert statuses["good 200"] > 0 and statuses["bad 400"] > 0
    rss_start, fds_start, procs_start = samples["start"]
    rss_mid, _, _ = samples["middle"]
    rss_end, fds_end, procs_end = samples["end"]
    assert rss_end <= rss_mid * 1.15 + 20, samples  # memory levels off
    assert fds_end <= fds_start + 5, samples  # no leaked connections
    assert procs_end == procs_start, samples  # no leaked or lost processes
    assert server.returncode is not None


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
