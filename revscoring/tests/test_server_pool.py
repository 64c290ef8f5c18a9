"""Process-pool mode (PROCESS_POOL_WORKERS=2, POOL_MIN_BYTES=0: every revision is scored
in a worker process): the scores equal the in-process ones, and a killed worker costs at
most the requests it was serving (503 WorkerCrashed) while the following ones succeed."""

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
from revscoring_server.ores_format import MODEL_INFO_FIELDS
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
    worker said about them, and answers model_info and cache keys as a loading one does."""
    assert not pooled.settings.main_process_scores and demo_server.settings.main_process_scores
    fields = "|".join(MODEL_INFO_FIELDS)
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


async def assert_ok_or_worker_crashed(response: httpx.Response, expected: dict[str, Any]) -> bool:
    """True when the request was served; False when it was lost with the worker."""
    if response.status_code == 503:
        assert response.json()["error"]["type"] == "WorkerCrashed", response.text
        return False
    assert response.status_code == 200, response.text
    assert response.json() == expected
    return True


async def recover(server: Server, plan: list[tuple[str, int]], expected: dict) -> None:
    """Requests one after another after a kill: the pool may learn of the dead worker
    only when the first of them reaches it, so at most that one is lost; the rest are
    served (by a replacement pool) with the right scores."""
    lost = 0
    for case in plan:
        response = await asyncio.wait_for(server.predict(case[0], {"rev_id": case[1]}), 120)
        lost += not await assert_ok_or_worker_crashed(response, expected[case])
    assert lost <= 1
    assert await assert_ok_or_worker_crashed(response, expected[plan[-1]])


async def test_a_killed_worker_fails_at_most_its_requests(
    pooled: Server, demo_server: Server, seed: dict[str, Any]
) -> None:
    pool = pooled.engine.pool
    plan = cases(seed)[::2]
    expected = {case: await demo_server.score(*case) for case in plan}

    # killed while requests are in flight: those may be lost (503 WorkerCrashed), never
    # answered wrongly
    victim = pool.worker_pids()[0]
    in_flight = [
        asyncio.create_task(pooled.predict(name, {"rev_id": rev_id})) for name, rev_id in plan
    ]
    await asyncio.sleep(0.05)
    os.kill(victim, signal.SIGKILL)
    responses = await asyncio.wait_for(asyncio.gather(*in_flight), 120)
    for case, response in zip(plan, responses):
        await assert_ok_or_worker_crashed(response, expected[case])
    await recover(pooled, plan, expected)
    assert victim not in pool.worker_pids()

    # killed while idle
    victim = pool.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    await recover(pooled, plan, expected)
    assert victim not in pool.worker_pids()
