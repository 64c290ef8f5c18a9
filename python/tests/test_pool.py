import asyncio
import os
import signal
import time

import pytest

from inference_common.errors import WorkerCrashed
from inference_common.pool import ProcessPool

_state: dict = {}


def _init(value: int) -> None:
    _state["value"] = value


def _work(x: int) -> tuple[int, int]:
    return os.getpid(), x * _state["value"]


def _die(_: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture
def pool():
    pool = ProcessPool(2, initializer=_init, initargs=(3,))
    yield pool
    pool.shutdown()


async def test_work_runs_in_initialized_workers(pool: ProcessPool) -> None:
    pid, result = await pool.run(_work, 5)
    assert result == 15 and pid != os.getpid()


async def test_a_dead_worker_is_replaced(pool: ProcessPool) -> None:
    await pool.run(_work, 1)
    with pytest.raises(WorkerCrashed):
        await pool.run(_die, 0)
    # The next requests succeed, in new workers that ran the initializer again.
    assert [(await pool.run(_work, i))[1] for i in range(4)] == [0, 3, 6, 9]


def test_call_blocks_for_a_result_and_survives_a_dead_worker(pool: ProcessPool) -> None:
    """``call`` (used at start, before the event loop serves) answers like ``run``."""
    pid, result = pool.call(_work, 7)
    assert result == 21 and pid != os.getpid()
    with pytest.raises(WorkerCrashed):
        pool.call(_die, 0)
    assert pool.call(_work, 2)[1] == 6


async def test_a_worker_that_died_while_idle_costs_no_request(pool: ProcessPool) -> None:
    """The executor breaks as soon as it notices the death, before any request reaches it:
    the next request goes to a new pool instead of getting WorkerCrashed."""
    await pool.run(_work, 1)
    executor = pool._executor
    pids = pool.worker_pids()
    os.kill(pids[0], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while not executor._broken:
        assert time.monotonic() < deadline, "the executor never noticed the dead worker"
        await asyncio.sleep(0.001)
    pid, result = await pool.run(_work, 4)
    assert result == 12 and pid not in pids
    assert pool.call(_work, 5)[1] == 15
