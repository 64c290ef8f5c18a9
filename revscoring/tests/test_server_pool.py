"""Process-pool mode (PROCESS_POOL_WORKERS=2, POOL_MIN_BYTES=0: every revision is scored
in a worker process): the scores equal the in-process ones; a worker killed while it holds
a request costs exactly that request (503 WorkerCrashed), one killed while idle costs none,
and the following requests get their scores from new workers."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import httpx
import pytest
from inference_common.errors import ModelLoadError
from inference_common.http import HttpClient
from inference_common.mediawiki import MediaWikiClient
from revscoring_server.engine import cache_key
from revscoring_server.model import build_engine
from revscoring_server.model_info import FIELDS as MODEL_INFO_FIELDS
from revscoring_server.scoring import describe_worker_models, load_served_model
from revscoring_server.settings import RevscoringSettings

from .support import Server

MODELS = ("enwiki-damaging", "enwiki-articlequality")


@pytest.fixture(scope="module")
async def pooled(
    start_server: Callable[..., Any], models_dir: Callable[..., Path], wiki_url: str
) -> AsyncIterator[Server]:
    async with start_server(
        models_dir=models_dir(*MODELS),
        wiki_url=wiki_url,
        process_pool_workers=2,
        pool_min_bytes=0,
        score_cache_size=0,
    ) as server:
        yield server


async def test_the_main_process_holds_no_estimator_yet_describes_models_alike(
    pooled: Server, demo_server: Server
) -> None:
    """POOL_MIN_BYTES=0: only the workers load the models; the server process holds what a
    worker said about them, and answers model_info (statistics and threshold queries
    included) and cache keys as a loading one does."""
    assert not pooled.settings.main_process_scores and demo_server.settings.main_process_scores
    fields = "|".join(MODEL_INFO_FIELDS)
    thresholds = 'statistics.thresholds.{}."maximum recall @ precision >= 0.5"'
    for name in MODELS:
        pooled_model = pooled.engine.models[name]
        loaded_model = demo_server.engine.models[name]
        assert pooled_model.loaded is None
        assert loaded_model.loaded is not None
        # what the worker loaded is what this process loads (but for the time it took)
        assert pooled_model.info == dataclasses.replace(
            loaded_model.info, load_seconds=pooled_model.info.load_seconds
        )
        assert cache_key("enwiki", pooled_model, 7) == cache_key("enwiki", loaded_model, 7)
        type_name = pooled_model.model_type.name
        params = {"models": type_name, "model_info": fields}
        answers = [
            (await server.client.get("/v3/scores/enwiki/", params=params)).json()
            for server in (pooled, demo_server)
        ]
        assert answers[0] == answers[1]
        assert set(answers[0]["enwiki"]["models"][type_name]) == set(MODEL_INFO_FIELDS)
        label = "true" if type_name == "damaging" else '"Stub"'
        params = {"models": type_name, "model_info": thresholds.format(label)}
        answers = [
            (await server.client.get("/v3/scores/enwiki/", params=params)).json()
            for server in (pooled, demo_server)
        ]
        assert answers[0] == answers[1]
        assert answers[0]["enwiki"]["models"][type_name]["statistics"]["thresholds"]


async def test_workers_are_forked_from_the_pools_loaded_fork_server(pooled: Server) -> None:
    """The models are loaded once, by the pool's fork server; every worker is its child (so
    the estimators, dictionaries and imports are pages they share) and holds them."""
    pool = pooled.engine.pool
    assert pool is not None and pool.server_pid() not in (None, os.getpid())
    parents = await asyncio.gather(*(pool.run(os.getppid) for _ in range(6)))
    assert set(parents) == {pool.server_pid()}
    described = pool.call(describe_worker_models)
    assert set(described) == set(MODELS)


def test_a_model_a_worker_cannot_load_fails_the_start_with_its_reason(tmp_path: Path) -> None:
    """The workers load the files: their one-line ModelLoadError stops the start as the
    server process's own load would."""
    broken = tmp_path / "enwiki-damaging" / "model.bin"
    broken.parent.mkdir()
    broken.write_bytes(b"not a pickle")
    with pytest.raises(ModelLoadError) as in_process:
        load_served_model("enwiki-damaging", broken)
    settings = RevscoringSettings(models_dir=tmp_path, process_pool_workers=1, pool_min_bytes=0)
    with pytest.raises(ModelLoadError) as in_worker:
        build_engine(settings, MediaWikiClient(HttpClient.from_settings(settings)))
    assert str(in_worker.value) == str(in_process.value)


def cases(seed: dict[str, Any]) -> list[tuple[str, int]]:
    revisions = seed["revisions"]
    edits = [revisions[role] for role in ("good_edit", "vandalism", "anon_edit", "page_creation")]
    return [(name, rev_id) for name in MODELS for rev_id in edits]


async def test_pool_scores_equal_in_process_scores(
    pooled: Server, demo_server: Server, seed: dict[str, Any]
) -> None:
    pool = pooled.engine.pool
    assert pool is not None and len(pool.worker_pids()) == 2
    assert demo_server.engine.pool is None
    for name, rev_id in cases(seed):
        pooled_body = await pooled.score(name, rev_id, extended_output=True)
        in_process = await demo_server.score(name, rev_id, extended_output=True)
        assert pooled_body == in_process
    # errors found in the worker travel back as the same typed errors
    response = await pooled.predict("enwiki-articlequality", {"rev_id": seed["revisions"]["item"]})
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "UnsupportedContent"


async def test_concurrent_pool_requests_get_their_own_scores(
    pooled: Server, demo_server: Server, seed: dict[str, Any]
) -> None:
    plan = cases(seed) * 3
    responses = await asyncio.gather(
        *(pooled.predict(name, {"rev_id": rev_id}) for name, rev_id in plan)
    )
    for (name, rev_id), response in zip(plan, responses):
        assert response.status_code == 200, response.text
        assert response.json() == await demo_server.score(name, rev_id)


async def until(condition: Callable[[], Any], what: str, timeout: float = 60) -> None:
    """Wait (polling, on the event loop) until ``condition()`` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.001)


def executor_of(pool: Any) -> Any:
    """The pool's current ``ProcessPoolExecutor`` (a new one after each crash)."""
    return pool._executor


def signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:  # already gone with its broken pool
            pass


def assert_worker_crashed(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["type"] == "WorkerCrashed", response.text


async def test_a_worker_killed_mid_request_fails_exactly_that_request(
    pooled: Server, demo_server: Server, seed: dict[str, Any]
) -> None:
    """Every worker is stopped (SIGSTOP) so that none can take the request and finish it
    first; once the executor holds the request, one worker is killed: that request gets 503
    WorkerCrashed, the next one its score from a new worker."""
    pool = pooled.engine.pool
    name, rev_id = cases(seed)[0]
    expected = await demo_server.score(name, rev_id)
    assert await pooled.score(name, rev_id) == expected  # the workers are up
    workers = pool.worker_pids()
    assert len(workers) >= 1
    executor = executor_of(pool)
    signal_all(workers, signal.SIGSTOP)
    try:
        request = asyncio.create_task(pooled.predict(name, {"rev_id": rev_id}))
        await until(lambda: executor._pending_work_items, "the executor to hold the request")
        assert not request.done()
        os.kill(workers[0], signal.SIGKILL)
        response = await asyncio.wait_for(request, 120)
    finally:
        # the others stay stopped until the answer (a running one could take the request
        # from the queue and answer before the executor notices the death)
        signal_all(workers[1:], signal.SIGCONT)
    assert_worker_crashed(response)
    response = await asyncio.wait_for(pooled.predict(name, {"rev_id": rev_id}), 120)
    assert response.status_code == 200, response.text
    assert response.json() == expected
    assert pool.worker_pids() and set(pool.worker_pids()).isdisjoint(workers)


async def test_a_worker_killed_while_idle_costs_no_request(
    pooled: Server, demo_server: Server, seed: dict[str, Any]
) -> None:
    """A worker killed between requests breaks the executor before any request reaches
    it: the next request is served by a new pool (200, its score), not refused."""
    pool = pooled.engine.pool
    name, rev_id = cases(seed)[1]
    expected = await demo_server.score(name, rev_id)
    assert await pooled.score(name, rev_id) == expected  # the workers are up
    workers = pool.worker_pids()
    executor = executor_of(pool)
    os.kill(workers[0], signal.SIGKILL)
    await until(lambda: executor._broken, "the executor to notice the dead worker")
    response = await asyncio.wait_for(pooled.predict(name, {"rev_id": rev_id}), 120)
    assert response.status_code == 200, response.text
    assert response.json() == expected
    assert pool.worker_pids() and set(pool.worker_pids()).isdisjoint(workers)
