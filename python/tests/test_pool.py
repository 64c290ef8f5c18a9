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


# -- the preloading fork server (the default start method) -----------------------------------

_BIG = 64 * 1024 * 1024


def _load_big() -> None:
    _state["loaded_in"] = os.getpid()
    _state["big"] = bytes(range(256)) * (_BIG // 256)  # 64 MiB of real, written pages


def _where_loaded_and_memory(_: int) -> tuple[int, int, int]:
    """(pid that ran the initializer, this worker's parent, private KiB of this worker)."""
    assert len(_state["big"]) == _BIG
    private = 0
    with open(f"/proc/{os.getpid()}/smaps_rollup") as handle:
        for line in handle:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                private += int(line.split()[1])
    return _state["loaded_in"], os.getppid(), private


def _check_shared(pool: ProcessPool) -> None:
    server = pool.server_pid()
    for _ in range(4):
        loaded_in, parent, private_kib = pool.call(_where_loaded_and_memory, 0)
        # the fork server ran the initializer once; its workers share the 64 MiB it made
        assert loaded_in == server and parent == server
        assert private_kib * 1024 < _BIG / 2


def test_workers_share_what_the_fork_server_loaded() -> None:
    pool = ProcessPool(2, initializer=_load_big)
    try:
        assert pool.server_pid() not in (None, os.getpid())
        _check_shared(pool)
        # a replacement worker is forked from the same loaded fork server
        with pytest.raises(WorkerCrashed):
            pool.call(_die, 0)
        _check_shared(pool)
    finally:
        pool.shutdown()


def test_a_pool_made_beside_other_threads_starts_a_fresh_fork_server() -> None:
    """Forking a process with other threads is unsafe: the fork server is then a new
    interpreter, and its workers still share what it loaded."""
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pool = ProcessPool(2, initializer=_load_big)
    finally:
        stop.set()
        other.join()
    try:
        _check_shared(pool)
    finally:
        pool.shutdown()


def test_a_dead_fork_server_is_started_again() -> None:
    pool = ProcessPool(1, initializer=_init, initargs=(4,))
    try:
        first = pool.server_pid()
        os.kill(first, signal.SIGKILL)
        with pytest.raises(WorkerCrashed):
            pool.call(_die, 0)
        # the replacement worker comes from a new fork server, which ran the initializer
        assert pool.call(_work, 2)[1] == 8
        assert pool.server_pid() not in (None, first)
    finally:
        pool.shutdown()


def test_shutdown_stops_the_fork_server() -> None:
    pool = ProcessPool(1, initializer=_init, initargs=(1,))
    server = pool.server_pid()
    pool.call(_work, 1)
    pool.shutdown()
    with pytest.raises(ProcessLookupError):
        os.kill(server, 0)
