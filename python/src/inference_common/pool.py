"""A process pool for CPU-bound work that survives a crashed worker.

Work crosses the process boundary as plain data and a module-level function; the model is
never pickled per call: each worker loads what it needs once, in ``initializer``.
If a worker dies (killed, out of memory, segfault), the requests the pool held then get
:class:`WorkerCrashed` and the pool is replaced, so the next requests succeed (a worker that
died while the pool held no request costs no request).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, TypeVar

from .errors import WorkerCrashed

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ProcessPool:
    """``await pool.run(fn, *args)`` runs ``fn(*args)`` in a worker process."""

    def __init__(
        self,
        workers: int,
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        start_method: str = "spawn",
    ) -> None:
        if workers < 1:
            raise ValueError("a process pool needs at least one worker")
        self.workers = workers
        self._initializer = initializer
        self._initargs = initargs
        self._context = multiprocessing.get_context(start_method)
        self._executor = self._new_executor()
        self._generation = 0

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._context,
            initializer=self._initializer,
            initargs=self._initargs,
        )

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        generation, future = self._submit(fn, *args)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._replace(generation)
            raise WorkerCrashed(
                "a worker process died while handling this request; it has been replaced"
            ) from None

    def _submit(self, fn: Callable[..., T], *args: Any) -> tuple[int, Future[T]]:
        """Hand ``fn(*args)`` to the executor. One that broke while idle (a worker died
        between requests) held no request: it is replaced and this one goes to the new."""
        generation = self._generation
        try:
            return generation, self._executor.submit(fn, *args)
        except BrokenProcessPool:
            self._replace(generation)
            return self._generation, self._executor.submit(fn, *args)

    def _replace(self, generation: int) -> None:
        # Many requests see the same broken pool; only the first replaces it.
        if generation != self._generation:
            return
        logger.error("process pool broken; starting a new one with %d workers", self.workers)
        old = self._executor
        self._generation += 1
        self._executor = self._new_executor()
        # A worker that the old executor was still spawning when another one died is not
        # terminated by its own clean-up (CPython 3.11 registers it after terminating the
        # others), and the old executor's manager thread then waits for it forever, and
        # with it the interpreter's exit. Kill whatever the old executor still has.
        leftover = list((getattr(old, "_processes", None) or {}).values())
        old.shutdown(wait=False, cancel_futures=True)
        for process in leftover:
            if process.is_alive():
                process.kill()

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker, blocking (at start, before the event loop serves)."""
        generation, future = self._submit(fn, *args)
        try:
            return future.result()
        except BrokenProcessPool:
            self._replace(generation)
            raise WorkerCrashed("a worker process died before answering") from None

    def warm_up(self) -> None:
        """Start every worker now (running the initializer), not on the first request."""
        futures = [self._executor.submit(_noop) for _ in range(self.workers * 2)]
        for future in futures:
            future.result()

    def worker_pids(self) -> list[int]:
        processes = getattr(self._executor, "_processes", None) or {}
        return list(processes.keys())

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _noop() -> None:
    return None
